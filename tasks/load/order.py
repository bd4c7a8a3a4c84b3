"""Foreign-key order: which tables load first, which together, which at the same time.

Tables are grouped into strongly connected components of the "references"
graph (a self-reference is no cycle: PostgreSQL checks a non-deferred foreign key
at the end of each statement, and a table loads in one COPY). The groups come
in levels: every group of a level has all its parents in earlier levels, so the
groups of one level can load in parallel. A group of several tables is a cycle;
it loads in one transaction with its foreign keys deferred to the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def components(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan), each sorted; `edges` maps a table to its parents."""
    graph = {node: sorted({p for p in parents if p in edges and p != node}) for node, parents in edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                found.append(sorted(group))
    return found


def load_levels(edges: Mapping[str, Iterable[str]]) -> list[list[list[str]]]:
    """Levels of groups: parents before children; groups of one level are independent."""
    groups = components(edges)
    group_of = {table: i for i, group in enumerate(groups) for table in group}
    parents = {i: {group_of[p] for t in group for p in edges[t] if p in group_of} - {i}
               for i, group in enumerate(groups)}
    level: dict[int, int] = {}

    def depth(i: int) -> int:
        if i not in level:
            level[i] = 1 + max((depth(p) for p in parents[i]), default=-1)
        return level[i]

    for i in range(len(groups)):
        depth(i)
    levels: list[list[list[str]]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for i, group in enumerate(groups):
        levels[level[i]].append(group)
    return [sorted(lv) for lv in levels]


def descendants(edges: Mapping[str, Iterable[str]], roots: Iterable[str]) -> set[str]:
    """Every table that references one of `roots`, directly or through others."""
    children: dict[str, set[str]] = {}
    for table, parents in edges.items():
        for parent in parents:
            if parent != table:
                children.setdefault(parent, set()).add(table)
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen
