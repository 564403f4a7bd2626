"""A user deactivated or deleted anywhere (admin, shell, an action) loses their open sockets."""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tutor_project.realtime.revocation import close_sockets_of


@receiver(post_save, sender=get_user_model(), dispatch_uid="close_sockets_of_deactivated_user")
def close_sockets_of_deactivated_user(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created and not instance.is_active:
        close_sockets_of(instance.pk)


@receiver(post_delete, sender=get_user_model(), dispatch_uid="close_sockets_of_deleted_user")
def close_sockets_of_deleted_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    close_sockets_of(instance.pk)
