from django.contrib import admin

from faceadmin.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ("title", "tenant", "kind", "status", "done", "total", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("title", "created_by_name")
    readonly_fields = [f.name for f in Job._meta.fields]
