"""AI providers, the router that tries them in order, and the tasks built on them."""
