import polars as pl

from tasks.issues import route


def _route(cfg, *texts):
    return route(pl.DataFrame({"text_norm": [t.lower() for t in texts]}), cfg.taxonomy)


def test_phrases_route_to_owning_teams(cfg):
    out = _route(cfg, "my halcyon one stopped charging, warranty repair took three weeks", "halcyon network down again, no signal")
    assert out["categories"].to_list() == [["warranty_repairs"], ["outage_network"]]
    assert out["teams"].to_list() == [["after_sales"], ["product_ops"]]


def test_negated_phrase_is_not_a_complaint(cfg):
    out = _route(cfg, "no problem with the battery life, never had an outage", "outage again. no outage yesterday though")
    assert out["categories"].to_list() == [[], ["outage_network"]]


def test_whole_words_only_and_several_categories(cfg):
    out = _route(cfg, "billy the goat was nice", "overcharged on my bill and customer service hung up")
    assert out["categories"].to_list() == [[], ["billing_pricing", "customer_service"]]
    assert out["teams"].to_list()[1] == ["customer_care", "sales"]


def test_stance_tells_praise_from_complaint(cfg):
    from tasks.issues import stance

    df = pl.DataFrame(
        {
            "sentiment_label": ["negative", "positive", "neutral", "neutral", "unscored"],
            "categories": [["delivery_shipping"], ["delivery_shipping"], ["employee_praise"], [], []],
        }
    )
    assert stance(df, cfg.taxonomy)["stance"].to_list() == ["complaint", "praise", "praise", "neutral", "neutral"]
