"""The jobs the platform ran on servers, for the operator portal: the list and each job's flight
recorder (its timeline and the verdict on a failure), relayed from openapi (tag ``job``)."""
