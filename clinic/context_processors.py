from django.conf import settings


def site(request):
    """Values every template needs: the clinic's name."""
    return {"clinic_name": settings.CLINIC_NAME}
