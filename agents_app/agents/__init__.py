"""The agents of SPEC 5.2, one entry point each; the gateway decides between LLM and offline engine."""
