"""The offline user-model rules move the right way."""

from agent.user_model import UserModel, update_by_rules


def _after(*messages: str, model: UserModel | None = None) -> UserModel:
    model = model or UserModel()
    for text in messages:
        model = update_by_rules(model, text)[0]
    return model


def test_asking_what_a_term_means_marks_it_as_not_yet_known():
    model = _after("what does counterfactual importance mean, and why is it negative?")
    assert "counterfactual importance" in model.asked_about
    assert "counterfactual" not in model.known_concepts and "counterfactual importance" not in model.known_concepts


def test_asking_about_a_term_the_model_thought_known_unlearns_it():
    model = _after("I already know what KL divergence is")
    assert "kl divergence" in model.known_concepts
    model = _after("what's KL divergence again?", model=model)
    assert "kl divergence" not in model.known_concepts and "kl divergence" in model.asked_about


def test_using_jargon_in_a_request_still_counts_as_knowing_it():
    model = _after("run resampling importance and show the KL per sentence")
    assert {"resampling", "kl"} <= set(model.known_concepts)


def test_terse_brief_and_no_glossaries_set_the_detail():
    assert _after("be terse").preferences.detail == "brief"
    assert _after("keep it brief please").preferences.detail == "brief"
    no_glossary = _after("no glossaries please")
    assert no_glossary.preferences.detail == "brief" and no_glossary.preferences.glossary is False


def test_a_stated_expertise_is_taken():
    assert _after("I'm an expert in mech interp").expertise == "expert"
    assert _after("fyi I'm an interpretability researcher").expertise == "expert"
    assert _after("I'm new to this, explain simply").expertise == "novice"
