from django.urls import path

from .base import api
from .departments import router as departments
from .people import router as people
from .reporting import router as reporting
from .units import router as units

# One line per resource; each router lives in its own module.
api.add_router("/units", units)
api.add_router("/people", people)
api.add_router("/departments", departments)
api.add_router("", reporting)

urlpatterns = [path("", api.urls)]
