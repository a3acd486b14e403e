"""The broker floor of bench/provision_storm.py: a Celery app with one no-op task, configured
like the platform's (same broker, serializer, acks)."""

from bmp_common.celery import make_celery

app = make_celery("bench")
app.conf.task_ignore_result = False


@app.task(name="bench.echo")
def echo(value):
    return value
