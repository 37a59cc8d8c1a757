"""Operating the daemon: metrics, errors, performance, health, monitors, backups."""
