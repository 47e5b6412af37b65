from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.PersonListView.as_view(), name="person-list"),
    path("new/", views.PersonCreateView.as_view(), name="person-create"),
    path("<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("<int:pk>/edit/", views.PersonUpdateView.as_view(), name="person-edit"),
    path("<int:pk>/reveal/<str:field>/", views.reveal, name="person-reveal"),
]
