from rest_framework import serializers

from boards_app.summary import DEFAULT_MAX_CHARS, MIN_MAX_CHARS
from whiteboard_app.models import BoardSnapshot


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = BoardSnapshot
        fields = ["seq", "created_at", "size", "object_count"]


class SummaryQuery(serializers.Serializer):
    max_chars = serializers.IntegerField(min_value=MIN_MAX_CHARS, max_value=20_000, default=DEFAULT_MAX_CHARS)


class AtQuery(serializers.Serializer):
    seq = serializers.IntegerField(min_value=0)


class ExportQuery(serializers.Serializer):
    seq = serializers.IntegerField(min_value=0, required=False)
    ephemeral = serializers.BooleanField(default=False)


class AnalyticsQuery(serializers.Serializer):
    bucket_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, default=1)
