"""Realistic local images built from Debian packages (mmdebstrap), cached, imported into a dockyard store."""
