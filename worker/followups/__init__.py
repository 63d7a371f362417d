"""After the intro: thank-yous, follow-ups, and the answers people reply with."""
