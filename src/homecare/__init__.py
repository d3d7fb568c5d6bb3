"""homecare: event-sourced home care for Stockholm providers."""
