"""Read models built from the event log (D6): each can be rebuilt from the events alone."""
