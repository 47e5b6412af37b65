from django.urls import path

from .base import api
from .departments import router as departments
from .people import router as people
from .reporting import router as reporting
from .units import router as units
from .worklists import plans, tasks

# One line per resource; each router lives in its own module.
api.add_router("/units", units)
api.add_router("/people", people)
api.add_router("/departments", departments)
api.add_router("", reporting)
api.add_router("/plans", plans)
api.add_router("/tasks", tasks)

urlpatterns = [path("", api.urls)]
