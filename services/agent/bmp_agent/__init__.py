"""The LiveOS agent: identifies its server, asks the agent gateway for steps, runs them on the
server's disks and posts each result. Standard library only: it runs in a minimal LiveOS."""
