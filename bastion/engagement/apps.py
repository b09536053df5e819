from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "bastion.engagement"
    label = "engagement"
    verbose_name = "Engagement"
