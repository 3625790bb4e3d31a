from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "clinic.editorial"
    label = "editorial"
    verbose_name = "Editorial"

    def ready(self):
        from clinic.editorial import signals

        signals.connect()
