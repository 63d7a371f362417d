"""What a message is: the ordered rule table and its rules, down to one Verdict."""
