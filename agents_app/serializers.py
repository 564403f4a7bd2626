from rest_framework import serializers

from agents_app.models import Job


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "kind", "status", "stage", "progress", "error", "target", "result",
                  "created_at", "updated_at", "finished_at"]
        read_only_fields = fields
