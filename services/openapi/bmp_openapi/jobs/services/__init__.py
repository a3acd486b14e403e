"""The jobs app's writes, one module per concern: ``submission`` (handing a job to the
scheduler), ``operator`` (cancel and retry), ``outbox`` (the messages, sent after the commit),
``reconcile`` (asking again about jobs nothing was heard of) and ``events`` (applying the
scheduler's job events)."""
