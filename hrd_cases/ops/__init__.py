"""Operations: encrypted backup and restore, retention. Services own their transactions;
the CLI (hrd_cases.cli.ops) only parses options and draws progress bars."""
