"""The newsroom: writing, editing and publishing articles, moderation, categories and tags, pictures, people.

Blueprints: articles (url prefix /admin, named "admin"), labels, pictures, people, signin (named "auth").
Each is guarded by `guard.guard_newsroom`, which also tells which blueprints are the newsroom's.
Beside them: accounts, roles, kept forms and the article form's rules.
"""
