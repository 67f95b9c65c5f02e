"""SQL text as the tool reads it back: splitting scripts into statements (with their lines),
masking literals for pattern checks. Shared by the deploy engine and the DSQL rehearsal."""
