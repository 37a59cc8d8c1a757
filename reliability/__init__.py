"""The reliability suite (`make reliability`): kills, fuzzing, full disks, reloads and
secrets against the real daemon, with figures. See reliability/__main__.py."""
