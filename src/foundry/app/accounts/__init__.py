"""Accounts: users, organisations, memberships, invitations, sessions and API tokens."""
