"""Host names and addresses: the resolve map, the resolver that answers it, what a site is."""
