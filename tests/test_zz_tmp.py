from test_authorization_walk import _build_world, fill
def test_q(app):
    world = _build_world(app, "public")
    rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    for ep in ("posts.show", "faq.entry"):
        path = rules[ep].build(fill(rules[ep], world.space))[1]
        r = world.clients["owner"].get(path)
        print(ep, r.status_code)
