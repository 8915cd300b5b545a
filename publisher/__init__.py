"""The publisher: what runs at the registry. Export parsing, replica build, deltas, publishing.
Imports the domain, wire formats and db; never the kiosk."""
