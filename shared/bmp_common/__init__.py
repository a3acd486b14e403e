"""What two or more BMP services share: contract, envelope, errors, settings, logging, ids,
secret encryption and the Celery app factory. Contracts and plumbing, never business logic."""
