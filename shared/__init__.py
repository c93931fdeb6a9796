"""The package every samhandling service imports: settings, models, messages, calendar.

It imports no web framework, so the worker and the scheduler never boot Flask.
"""
