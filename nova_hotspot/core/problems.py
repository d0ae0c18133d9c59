"""Problems found in what the cloud said: reported once per cycle, naming
the server and group, never a crash."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    server: str | None = None
    group: str | None = None

    def __str__(self):
        where = []
        if self.server:
            where.append(f'server {self.server}')
        if self.group:
            where.append(f'group {self.group}')
        return f'{self.kind}: {self.message} ({", ".join(where)})'
