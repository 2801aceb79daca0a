"""Recording a crawl: the frontier log, the catalog recorder and its writer process, the tally."""
