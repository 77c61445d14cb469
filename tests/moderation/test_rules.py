"""Rules find stereotypes and recognise negation, quotation and debunking in all languages."""

from __future__ import annotations

import pytest

from moderation.normalise import normalise
from moderation.rules import StereotypeRules

RULES = StereotypeRules()


def statuses(text: str, lang: str) -> set[str]:
    return {h.status for h in RULES.find(normalise(text).text, lang)}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A good wife obeys her husband.", "en"),
        ("Хорошая жена слушается мужа.", "ru"),
        ("Зани хуб ба шавҳараш итоат мекунад.", "tg"),
        ("Зани хуб ба шавхараш итоат мекунад.", "tg"),  # typed without Tajik letters
        ("Boys must not cry. Stand up like a man.", "en"),
        ("Мальчики не плачут.", "ru"),
        ("Писарон гиря намекунанд.", "tg"),
    ],
)
def test_stated_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("It is a myth that a good wife must obey her husband.", "en"),
        ("Some still say cooking is women's work; in our family everyone cooks.", "en"),
        ("Миф, что хорошая жена должна слушаться мужа во всём.", "ru"),
        ("Говорят, что кухня — место женщины. В нашей семье готовит папа.", "ru"),
        ("Ин афсона аст, ки гӯё зани хуб бояд ба шавҳараш итоат кунад.", "tg"),
        ("Баъзеҳо ҳанӯз мегӯянд, ки пухтупаз кори зан аст.", "tg"),
    ],
)
def test_debunked_stereotypes_are_not_asserted(text: str, lang: str) -> None:
    found = statuses(text, lang)
    assert found, "the stereotype itself should still be recognised"
    assert "asserted" not in found
    assert "debunked" in found


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A good wife does not have to obey her husband.", "en"),
        ("Неправда что хорошая жена слушается мужа.", "ru"),
        ("Рашк ва назорат нишонаи муҳаббат нестанд.", "tg"),
    ],
)
def test_negated_stereotypes_are_not_asserted(text: str, lang: str) -> None:
    found = statuses(text, lang)
    assert found
    assert "asserted" not in found


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ('My grandmother\'s words were "a good wife obeys her husband", nothing more.', "en"),
        ("Бабушка повторяла: «хорошая жена слушается мужа», и всё.", "ru"),
        ("Бибиам мегуфт: «зани хуб ба шавҳараш итоат мекунад».", "tg"),
    ],
)
def test_quoted_stereotypes_are_not_asserted(text: str, lang: str) -> None:
    found = statuses(text, lang)
    assert found
    assert "asserted" not in found


def test_every_category_has_rules_in_every_language() -> None:
    for lang, rules in RULES.rules.items():
        assert {r.category for r in rules} == {
            "roles",
            "characteristics",
            "body_image",
            "mocking",
            "children",
            "harmful_norms",
        }, lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("As the proverb says, a good wife obeys her husband.", "en"),
        ("Как говорится, хорошая жена слушается мужа.", "ru"),
        ("Тавре ки мегӯянд, зани хуб ба шавҳараш итоат мекунад.", "tg"),
    ],
)
def test_sayings_quoted_approvingly_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)
    assert RULES.distanced_ranges(normalise(text).text, lang) == ()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A real man doesn't cook.", "en"),
        ("Real men don't cook.", "en"),
        ("A real man does not cook dinner.", "en"),
        ("Real men never cook.", "en"),
        ("A real man never washes the dishes.", "en"),
        ("A man doesn't cry.", "en"),
        ("Men never cry.", "en"),
        ("A boy does not cry.", "en"),
        ("A woman can't drive.", "en"),
        ("Настоящий мужчина не готовит.", "ru"),
        ("Настоящие мужчины никогда не готовят.", "ru"),
        ("Мальчик не плачет.", "ru"),
        ("Мужчина никогда не плачет.", "ru"),
        ("Марди ҳақиқӣ хӯрок намепазад.", "tg"),
        ("Мардони ҳақиқӣ ҳеҷ гоҳ пухтупаз намекунанд.", "tg"),
        ("Писар гиря намекунад.", "tg"),
        ("Мард ҳеҷ гоҳ гиря намекунад.", "tg"),
    ],
)
def test_rules_cover_singular_plural_and_every_negation(text: str, lang: str) -> None:
    # the editorial team's report: "A real man doesn't cook" was missed (only "real men don't" matched)
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Мард гиря мекунад ва ин табиист.", "tg"),
        ("A real man cooks for his family.", "en"),
    ],
)
def test_positive_forms_are_not_flagged(text: str, lang: str) -> None:
    assert "asserted" not in statuses(text, lang)


def test_bez_negates_in_russian() -> None:
    # "без гонки за фигурой" (without chasing a figure) is not body-image pressure
    found = statuses("Мягкие упражнения после родов, без гонки за фигурой и сравнений.", "ru")
    assert "asserted" not in found


def test_anchor_prefilter_finds_exactly_what_a_full_search_finds() -> None:
    from moderation.corpus import load_corpus
    from moderation.rules import _matches, _Positions

    assert all(r.anchors is not None for rules in RULES.rules.values() for r in rules)
    for row in load_corpus():
        text = normalise(row.text).text
        positions = _Positions(text)
        # the one-scan index of the words a language's anchors can start
        filtered = _Positions(text, RULES._word_starts[row.lang])
        for rule in RULES.rules[row.lang]:
            full = [m.span() for m in rule.pattern.finditer(text) if m.end() > m.start()]
            assert [m.span() for m in _matches(rule, text, positions)] == full, rule.rule_id
            assert [m.span() for m in _matches(rule, text, filtered)] == full, rule.rule_id


# A marker covers its own clause, not the whole sentence (found by an audit: each of these was
# "debunked" before, so the stereotype it states went through as clear).
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Forget the feminist nonsense: a good wife obeys her husband.", "en"),
        ("Contrary to modern nonsense, a good wife obeys her husband.", "en"),
        ("Stereotype or not, a good wife obeys her husband.", "en"),
        ("People say it, and it's true: a good wife obeys her husband.", "en"),
        ("Girls who want to be engineers are wrong: cooking is a woman's job.", "en"),
        ('My grandmother said "a good wife obeys her husband" and she was right.', "en"),
        ("Некоторые жёны забывают главное: хорошая жена слушается мужа.", "ru"),
        ("Многие считают иначе, но хорошая жена слушается мужа.", "ru"),
        ("Мальчики не плачут — и это не стереотип.", "ru"),
        ("Бабушка говорила: «хорошая жена слушается мужа», и это правда.", "ru"),
        ("Баъзеҳо фаромӯш мекунанд: зани хуб ба шавҳараш итоат мекунад.", "tg"),
        ("Писарон гиря намекунанд - ин қолаб нест.", "tg"),
    ],
)
def test_a_marker_elsewhere_in_the_sentence_does_not_excuse_a_stereotype(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"asserted"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Some say: a good wife obeys her husband. In our family we decide together.", "en"),
        ("Myth: a good wife obeys her husband. Fact: marriage is a partnership.", "en"),
        ("A good wife obeys her husband - that is an old myth.", "en"),
        ("Don't believe the myth that a good wife obeys her husband.", "en"),
        ("Говорят, что хорошая жена слушается мужа, но это миф.", "ru"),
        ("Миф: хорошая жена слушается мужа.", "ru"),
        ("Не верьте мифу, что хорошая жена слушается мужа.", "ru"),
        ("Баъзеҳо мегӯянд, ки зани хуб ба шавҳараш итоат мекунад, аммо ин афсона аст.", "tg"),
        ("Афсона: зани хуб ба шавҳараш итоат мекунад.", "tg"),
    ],
)
def test_reported_labelled_and_back_referenced_views_stay_debunked(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"debunked"}


def test_distanced_ranges_follow_the_clause() -> None:
    """The model's "distanced" vocabulary covers the debunked clause, not the asserted one."""
    text = normalise("Forget the feminist nonsense: a good wife obeys her husband.").text
    ranges = RULES.distanced_ranges(text, "en")
    wife = text.index("wife")
    assert not any(a <= wife < b for a, b in ranges)
    text = normalise("Some say: a good wife obeys her husband.").text
    wife = text.index("wife")
    assert any(a <= wife < b for a, b in RULES.distanced_ranges(text, "en"))


def test_a_stereotype_phrased_with_never_is_asserted_but_its_negation_is_not() -> None:
    assert "asserted" in statuses("A good wife never argues and always obeys her husband.", "en")
    assert "asserted" in statuses("A good wife doesn't complain.", "en")
    assert "asserted" not in statuses("A good wife does not have to obey anyone.", "en")
    assert statuses("It is a myth that a good wife never argues.", "en") == {"debunked"}


# Second review: myth-busting lists, back-references, endorsements scoped to their clause, and
# markers before a colon that are negated or part of a phrase rejecting the debunking.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Миф № 1: хорошая жена слушается мужа.", "ru"),
        ("Опасный миф: хорошая жена слушается мужа.", "ru"),
        ("Вредное заблуждение: хорошая жена слушается мужа.", "ru"),
        ("Афсонаи якум: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Қолаби маъмул: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Myth #1: a good wife obeys her husband.", "en"),
        ("### Myth 3: a good wife obeys her husband.", "en"),
        ("Stereotype #2 — a good wife obeys her husband.", "en"),
        ("Женщина должна всегда слушаться мужа — так говорили наши бабушки, и они были неправы.", "ru"),
        ("Зан бояд ба шавҳар итоат кунад — ин афсонаест, ки бояд аз он халос шавем.", "tg"),
        ("A woman's place is in the kitchen - it's a stereotype, and it's right to challenge it.", "en"),
        ("Муж — глава семьи — это миф.", "ru"),
        ("Some say a woman's place is in the kitchen, but my mother disagreed, and she was right.", "en"),
        (
            "Некоторые говорят, что хорошая жена слушается мужа, но мама не согласилась, и она была права.",
            "ru",
        ),
        ("Forget the nonsense: the claim that women are too emotional to lead is a myth.", "en"),
        ("Вопреки пропаганде, миф о том, что хорошая жена слушается мужа, живуч.", "ru"),
    ],
)
def test_myth_busting_formats_stay_debunked(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"debunked"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("It's no myth: a good wife obeys her husband.", "en"),
        ("This is no stereotype - a good wife obeys her husband.", "en"),
        ("Это не миф: хорошая жена слушается мужа.", "ru"),
        ("Ин афсона нест: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Афсона ё не, зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Stereotypes aside, a good wife obeys her husband.", "en"),
        ("Myth or no myth, a good wife obeys her husband.", "en"),
        ("As they say, a good wife obeys her husband.", "en"),
        ("They say a good wife obeys her husband, which is true.", "en"),
        ("Говорят, хорошая жена слушается мужа, и так оно и есть.", "ru"),
        ("My grandmother used to say it and I agree: a good wife obeys her husband.", "en"),
    ],
)
def test_denied_or_endorsed_markers_do_not_excuse_a_stereotype(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"asserted"}


# Third review: labels are a noun and a word or two; a lead-in does not cover an endorsed clause;
# a concession (", but it's true") takes the distancing back; relative "that" after a marker still
# refers back; a Tajik negation inside the reported statement does not cancel its marker.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Stereotypes exist for a reason: a woman's place is in the kitchen.", "en"),
        ("Call it a stereotype: a woman's place is in the kitchen.", "en"),
        ("Enough with the myths: women are too emotional to lead.", "en"),
        ("Myth or no myth: a woman's place is in the kitchen.", "en"),
        ("Хватит мифов: жена должна слушаться мужа.", "ru"),
        ("Бигзор қолаб бошад: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("People say: a good wife obeys her husband, and that's true.", "en"),
        ("Говорят: жена должна слушаться мужа, и это правда.", "ru"),
        ("Мегӯянд: зан бояд ба шавҳар итоат кунад ва ин рост аст.", "tg"),
        ("Men are born leaders — it's a cliché, but it's true.", "en"),
        ("Мужчина — прирождённый лидер — это клише, но это правда.", "ru"),
        ("Зан бояд ба шавҳар итоат кунад — ин қолаб аст, аммо ин рост аст.", "tg"),
        ("ЗAH БОЯД ИТОАТ КУНАД.", "tg"),
    ],
)
def test_third_review_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A woman's place is in the kitchen — this is a stereotype that hurts families.", "en"),
        ("Мужчины не плачут — это стереотип, что мешает мальчикам.", "ru"),
        ("Зан бояд ба шавҳар итоат кунад — ин афсона аст, ки то ҳол зинда аст.", "tg"),
        ("Гӯё зан набояд ба корҳои пул дахолат кунад.", "tg"),
        ("Мегӯянд мардон ҳеҷ гоҳ гиря намекунанд, аммо ин афсона аст.", "tg"),
        ("Hодуруст аст, ки зан бояд ба шавҳар итоат кунад.", "tg"),
    ],
)
def test_third_review_debunking_stays_debunked(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"debunked"}


def test_little_or_no_evidence_is_still_a_negation() -> None:
    assert statuses("There is little or no evidence that women are too emotional to lead.", "en") == {
        "negated"
    }


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("It's no myth that women are too emotional to lead.", "en"),
        ("There's no doubt women are too emotional to lead.", "en"),
        ("Never forget that a woman's place is in the kitchen.", "en"),
        ("Нет сомнений, что жена должна слушаться мужа.", "ru"),
        ("Никто не спорит, что муж — глава семьи.", "ru"),
        ("Не забывайте, что жена должна слушаться мужа.", "ru"),
        ("Шак нест, ки зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Ин афсона нест, ки зан бояд ба шавҳар итоат кунад.", "tg"),
    ],
)
def test_a_negation_that_affirms_does_not_negate(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"asserted"}


# Fourth review: a concession only when it ends its clause; an emphatic negation hides only its
# own words, and none in a question; labels of up to six words; a clause opening "it is a myth
# that ..." points forward; Tajik particles between a marker and its negated verb.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Some say a good wife obeys her husband, but it's true that wives need more rest.", "en"),
        ("Мегӯянд, ки зан бояд ба шавҳар итоат кунад, аммо ин дуруст нест.", "tg"),
        ("Говорят, что жена должна слушаться мужа, но это правда не для всех.", "ru"),
        ("Isn't it a myth that women are too emotional to lead?", "en"),
        ("A common myth: a good wife obeys her husband.", "en"),
        ("Top 5 myths: a good wife obeys her husband.", "en"),
        ("5 myths about women: a good wife obeys her husband.", "en"),
        ("Myth 1 of 10: a good wife obeys her husband.", "en"),
        ("One of the most common myths: a good wife obeys her husband.", "en"),
        ("Самый опасный миф: жена должна слушаться мужа.", "ru"),
        ("Мифы о женщинах: жена должна слушаться мужа.", "ru"),
        ("Яке аз афсонаҳо: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Қолаби маъмул дар ҷомеа: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Зан бояд ба шавҳар итоат кунад — ин ҳам афсона аст.", "tg"),
        # "that" opening a relative clause still refers back
        ("A woman's place is in the kitchen — it's a stereotype that hurts families.", "en"),
    ],
)
def test_fourth_review_debunking_stays_debunked(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"debunked"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Недаром не жена должна слушаться мужа, а муж жену.", "ru"),
        ("Разве не миф, что жена должна слушаться мужа?", "ru"),
        ("Разве не миф, что жена должна слушаться мужа?!", "ru"),
        ("Магар афсона нест, ки зан бояд ба шавҳар итоат кунад?", "tg"),
    ],
)
def test_a_negation_beside_an_emphatic_one_or_in_a_question_negates(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"negated"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Forget the myths: a good wife obeys her husband.", "en"),
        ("So what if it's a stereotype: a good wife obeys her husband.", "en"),
        ("Stereotypes about women are true: a good wife obeys her husband.", "en"),
        ("Пусть это стереотип: жена должна слушаться мужа.", "ru"),
        ("Забудьте мифы: жена должна слушаться мужа.", "ru"),
        ("Зан бояд ба шавҳар итоат кунад — ин дурӯғ ҳам нест.", "tg"),
        ("A good wife obeys her husband: it is a myth that women are too emotional to lead.", "en"),
        ("Хорошая жена слушается мужа: это миф, что мальчики не плачут.", "ru"),
        ("Писарон гиря намекунанд — ин афсона аст, ки зан бояд ба шавҳар итоат кунад.", "tg"),
    ],
)
def test_fourth_review_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    "text",
    [
        "Parenting tips: it is a myth that boys must not cry.",  # a rule finds the stereotype
        "Men's health hotline: it is a myth that strong men never ask for help.",  # a gender term
    ],
)
def test_a_forward_pointing_marker_distances_only_its_own_clause(text: str) -> None:
    text = normalise(text).text
    ((start, end),) = RULES.distanced_ranges(text, "en")  # the clause after the colon only
    assert text[start:end].strip() == text[text.index("it is") :]


# Fifth review: tag questions keep an emphatic negation affirming; a concession followed by more
# punctuation or a word still takes the distancing back; a label has only label words around its
# noun; "Forget the myths" rejects the debunking only as a whole clause; a forward-pointing
# clause needs a stereotype after "that"; a Tajik copula ends the marker's phrase.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("It's no secret that women are too emotional to lead, is it?", "en"),
        ("Never forget that a woman's place is in the kitchen, okay?", "en"),
        ("Нет сомнений, что хорошая жена слушается мужа, не так ли?", "ru"),
        ("Шак нест, ки зан бояд ба шавҳар итоат кунад, дуруст?", "tg"),
        ("Women are too emotional to lead - it's a cliche, but it's true: ask any manager.", "en"),
        ("Women are too emotional to lead - it's a cliche, but it's true, ladies.", "en"),
        ("Women are too emotional to lead - a stereotype, but a true one - ask any manager.", "en"),
        ("Хорошая жена слушается мужа — это стереотип, но это правда жизни.", "ru"),
        ("Хорошая жена слушается мужа — это стереотип, однако это правда; спросите любого.", "ru"),
        ("Зан бояд ба шавҳар итоат кунад — ин қолаб аст, аммо ин рост аст, духтарон.", "tg"),
        ("Not just a stereotype: a good wife obeys her husband.", "en"),
        ("What feminists call a myth: a good wife obeys her husband.", "en"),
        ("My favourite stereotype: a good wife obeys her husband.", "en"),
        ("Stereotypes about women work: a good wife obeys her husband.", "en"),
        ("Не просто стереотип: хорошая жена слушается мужа.", "ru"),
        ("Я люблю стереотипы: хорошая жена слушается мужа.", "ru"),
        ("Самый правдивый стереотип: хорошая жена слушается мужа.", "ru"),
        ("Стереотипы о женщинах верны: хорошая жена слушается мужа.", "ru"),
        ("Қолаби дуруст: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Ин афсона ҳаргиз нест, зан бояд ба шавҳар итоат кунад.", "tg"),
    ],
)
def test_fifth_review_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Myths about women and men: a good wife obeys her husband.", "en"),
        ("Один из самых распространённых мифов: жена должна слушаться мужа.", "ru"),
        ("Афсонаҳо дар бораи занон: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Forget the myth that women are too emotional to lead.", "en"),
        ("Забудьте миф о том, что жена должна слушаться мужа.", "ru"),
        ("Пусть миф о том, что жена должна слушаться мужа, уйдёт в прошлое.", "ru"),
        ("A woman's place is in the kitchen - it's a myth that many women still believe.", "en"),
        ("Зан бояд ба шавҳар итоат кунад — ин дурӯғ аст на ҳақиқат.", "tg"),
        ("Мегӯянд, ки зан бояд ба шавҳар итоат кунад, аммо ин рост аст, ки занон хаста мешаванд.", "tg"),
    ],
)
def test_fifth_review_debunking_stays_debunked(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"debunked"}


# Sixth review: "Forget the myths," before a comma; forward-pointing clauses about women or men;
# concessions with an aside; "Афсона ҳаргиз нест, ки"; only doubting questions negate; common
# headings are labels; "гумон мекунанд" reports; a Tajik concession with a negated copula.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Пусть это и стереотип, а хорошая жена слушается мужа.", "ru"),
        ("Забудьте стереотипы, хорошая жена слушается мужа.", "ru"),
        ("Forget the myths, a good wife obeys her husband.", "en"),
        ("A good wife obeys her husband: it's a myth that wives can do as they please.", "en"),
        ("Women are too emotional to lead - it's a cliche, but it's true, not a myth.", "en"),
        ("Women are too emotional to lead - it's a cliche, but it's true in most cases.", "en"),
        ("Хорошая жена слушается мужа — это стереотип, но это правда, на мой взгляд.", "ru"),
        ("Зан бояд ба шавҳар итоат кунад — ин қолаб аст, аммо ин ҳақиқат аст, на афсона.", "tg"),
        ("Ин афсона ҳаргиз нест, ки зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Шак ҳам нест, ки зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Did you know it's no secret that women are too emotional to lead?", "en"),
    ],
)
def test_sixth_review_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Gender stereotypes: a good wife obeys her husband.", "en"),
        ("Myths about housework: a good wife obeys her husband.", "en"),
        ("Myths of marriage: a good wife obeys her husband.", "en"),
        ("Here is a common myth: a good wife obeys her husband.", "en"),
        ("Гендерные стереотипы: хорошая жена слушается мужа.", "ru"),
        ("Вот ещё один миф: хорошая жена слушается мужа.", "ru"),
        ("Мифы о семейной жизни: хорошая жена слушается мужа.", "ru"),
        ("Қолабҳои гендерӣ: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Қолаби зиёновар: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Афсонаҳо дар бораи занон ва мардон: зан бояд ба шавҳар итоат кунад.", "tg"),
        ("Гумон мекунанд писарон ҳеҷ гоҳ гиря намекунанд.", "tg"),
    ],
)
def test_sixth_review_debunking_stays_debunked(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"debunked"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Мегӯянд, ки зан бояд ба шавҳар итоат кунад, аммо ин дуруст набуд.", "tg"),
        ("А разве не миф, что жена должна слушаться мужа?", "ru"),
        ("Скажите, разве не миф, что жена должна слушаться мужа?", "ru"),
        ("Пас магар афсона нест, ки зан бояд ба шавҳар итоат кунад?", "tg"),
    ],
)
def test_sixth_review_distanced_or_negated_texts_are_not_asserted(text: str, lang: str) -> None:
    found = statuses(text, lang)
    assert found and "asserted" not in found


# Seventh review: a negation before an emphatic phrase belongs to another clause; only
# adjectival gender words stand before a label noun.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Of course not, there's no doubt that women are too emotional to lead.", "en"),
        ("Нет, не секрет, что жена должна слушаться мужа.", "ru"),
        ("Не, шак нест, ки зан бояд ба шавҳар итоат кунад.", "tg"),
        ("His myth: a good wife obeys her husband.", "en"),
        ("Women, that is the stereotype: a good wife obeys her husband.", "en"),
    ],
)
def test_seventh_review_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


# Eighth review: a doubting question turns only a myth phrase right after its opener into a
# debunking; a label or lead-in does not reach past a later endorsement in its sentence.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Скажите, разве не секрет, что жена должна слушаться мужа?", "ru"),
        ("Разве нет сомнений, что жена должна слушаться мужа?", "ru"),
        ("Разве вы не знаете, что это не миф, что жена должна слушаться мужа?", "ru"),
        ("But didn't I tell you there's no doubt that women are too emotional to lead?", "en"),
        ("Isn't it no secret that women are too emotional to lead?", "en"),
        ("Магар намедонед, ки шак нест, ки зан бояд ба шавҳар итоат кунад?", "tg"),
        ("Магар шак нест, ки зан бояд ба шавҳар итоат кунад?", "tg"),
        ("Gender stereotypes: a good wife obeys her husband - and it's true.", "en"),
        ("Some say: a good wife obeys her husband - and they are right.", "en"),
        ("Гендерные стереотипы: хорошая жена слушается мужа — и это правда.", "ru"),
    ],
)
def test_eighth_review_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Разве это не миф, что жена должна слушаться мужа?", "ru"),
        ("Скажите, разве не миф, что жена должна слушаться мужа?", "ru"),
        ("Магар ин афсона нест, ки зан бояд ба шавҳар итоат кунад?", "tg"),
    ],
)
def test_a_doubting_question_right_before_a_myth_phrase_negates(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"negated"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Gender stereotypes: a good wife obeys her husband.", "en"),
        ("Gender stereotypes: a good wife obeys her husband - nonsense, of course.", "en"),
        ("Забудьте миф, якобы жена должна слушаться мужа.", "ru"),
        ("Забудьте этот стереотип, мол, жена должна слушаться мужа.", "ru"),
        ("Isn't it a myth that a good wife obeys her husband?", "en"),
    ],
)
def test_eighth_review_debunking_is_not_asserted(text: str, lang: str) -> None:
    found = statuses(text, lang)
    assert found and "asserted" not in found


# Harmful norms around domestic violence that the hotline's users meet most: the husband as the
# head who knows best, his permission for everyday life, shaming a woman who leaves, keeping
# violence inside the home. Help articles that reject them must not be asserted.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Whatever happens, he is the head of the family, so do as he says.", "en"),
        ("Your husband knows what is best for you.", "en"),
        ("A married woman must ask for her husband's permission before visiting her parents.", "en"),
        ("A wife always needs her husband's permission to take a job.", "en"),
        ("A woman who files for divorce betrays her children.", "en"),
        ("Leaving him would bring shame on everyone you love.", "en"),
        ("Patience is a wife's first duty.", "en"),
        ("A good wife doesn't give him a reason to shout.", "en"),
        ("Что бы ни случилось, он глава семьи, и слово его закон.", "ru"),
        ("Муж знает, что для жены лучше.", "ru"),
        ("Чтобы устроиться на работу, нужно разрешение мужа.", "ru"),
        ("Спросите разрешения у свекрови, прежде чем идти к подруге.", "ru"),
        ("Жена, которая подала на развод, позорит родителей.", "ru"),
        ("Разведённой женщине никто не поможет: у разведённой нет будущего.", "ru"),
        ("Терпите, как терпели ваши матери.", "ru"),
        ("Что бывает между мужем и женой, никого не касается.", "ru"),
        ("Не стоит звонить в милицию из-за семейной ссоры.", "ru"),
        ("Охранный ордер — это крайность.", "ru"),
        ("Шавҳар сарвари оила аст, ҳар чӣ гӯяд, ҳамон мешавад.", "tg"),
        ("Барои кор кардан иҷозати шавҳар лозим аст.", "tg"),
        ("Ҷанҷоли оила бояд дар хона бимонад.", "tg"),
        ("Ба суд рафтан шарм аст.", "tg"),
    ],
)
def test_domestic_violence_norms_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("You do not need your husband's permission to see a doctor.", "en"),
        ("It is a myth that a woman who leaves brings shame on everyone.", "en"),
        ("He is not the head of the family who knows what is best for you; you decide.", "en"),
        ("Вам не нужно разрешение мужа, чтобы пойти к врачу.", "ru"),
        ("Нужно ли разрешение мужа, чтобы получить паспорт? Нет.", "ru"),
        ("Жена, которая ушла от мужа-тирана, не позорит семью.", "ru"),
        ("Охранный ордер — не крайность, а ваше право.", "ru"),
        ("Миф: что бывает между мужем и женой, никого не касается.", "ru"),
        ("Барои рафтан ба духтур иҷозати шавҳар лозим нест.", "tg"),
        ("Ба суд рафтан шарм нест.", "tg"),
    ],
)
def test_help_articles_rejecting_those_norms_are_not_asserted(text: str, lang: str) -> None:
    assert "asserted" not in statuses(text, lang)


# Ninth review: only "Разве (это) не миф" / "Магар (ин) афсона нест" opening a question turn the
# phrase; the comma exceptions of false markers belong to "Забудьте" alone; an endorsement of a
# rebuttal does not cancel a label or lead-in.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Call it a stereotype, like it or not, a good wife obeys her husband.", "en"),
        ("So what if it's a stereotype, like my grandmother said, a good wife obeys her husband.", "en"),
        ("Forget the myth, as if a good wife obeys her husband.", "en"),
        ("Пусть это и стереотип, ведь мальчики не плачут.", "ru"),
        ("Пусть это и клише, мол, старомодно, а жена должна слушаться мужа.", "ru"),
        ("Забудьте стереотипы, ведь хорошая жена всегда слушается мужа.", "ru"),
        ("Разве непонятно: не миф, что жена должна слушаться мужа?", "ru"),
        ("Разве забыли — не миф, что жена должна слушаться мужа?", "ru"),
        ("Неужели действительно не миф, что жена должна слушаться мужа?", "ru"),
        ("Неужели не миф, что жена должна слушаться мужа? Учёные подтвердили!", "ru"),
        ("Магар намефаҳмед: афсона нест, ки зан бояд ба шавҳар итоат кунад?", "tg"),
        ("Isn't it no myth that women are too emotional to lead?", "en"),
        ("Some say: a good wife obeys her husband - but it's true.", "en"),
    ],
)
def test_ninth_review_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Забудьте миф, мол, жена должна слушаться мужа.", "ru"),
        ("А разве это не миф, что жена должна слушаться мужа?", "ru"),
    ],
)
def test_ninth_review_debunking_is_not_asserted(text: str, lang: str) -> None:
    found = statuses(text, lang)
    assert found and "asserted" not in found


# Review of the domestic-violence rules: help articles, legal-aid FAQs and survivors' stories
# mention these norms without asserting them.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Do you need to get your husband's permission to apply for a protection order? No.", "en"),
        (
            "It is economic violence if you have to ask for your husband's permission for every purchase.",
            "en",
        ),
        ("Warning signs of control: he insists he knows what is best for you.", "en"),
        ("When your husband is angry, it is not your fault.", "en"),
        ("A woman who files for divorce fails no one; she protects herself.", "en"),
        ("Women who leave are often shamed by their relatives, but leaving is your right.", "en"),
        ("Нужно ли мне разрешение мужа, чтобы получить паспорт?", "ru"),
        ("Если хотите вывезти ребёнка за границу, получите нотариальное разрешение мужа.", "ru"),
        ("Даже если он глава семьи, он не имеет права вас бить.", "ru"),
        ("Не стоит звонить на горячую линию с телефона, который проверяет обидчик.", "ru"),
        ("Многие думают, что охранный ордер — это крайность.", "ru"),
        ("Он годами внушал мне, что муж лучше знает.", "ru"),
        ("Оё барои гирифтани шиноснома иҷозати шавҳар лозим аст?", "tg"),
        ("Зан ва шавҳар якҷоя сарвари оила ҳастанд.", "tg"),
        ("Ҳатто агар шавҳар сарвари оила бошад, ӯ ҳақ надорад занро занад.", "tg"),
        ("Гапи зану шавҳар набояд ба зӯроварӣ расад.", "tg"),
        ("Ба суд ҳамроҳи ҳуқуқшинос равед, танҳо наравед.", "tg"),
        ("Оё иҷозати шавҳар лозим аст?", "tg"),
    ],
)
def test_help_content_on_domestic_violence_is_not_asserted(text: str, lang: str) -> None:
    assert "asserted" not in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A man is the head of the family.", "en"),
        ("Your husband knows best.", "en"),
        ("You need your husband's permission to leave the house.", "en"),
        ("Мужчина — хозяин в доме.", "ru"),
        ("Муж лучше знает, что тебе нужно.", "ru"),
        ("Жена должна спрашивать разрешения у мужа.", "ru"),
        ("Бьёт — значит любит.", "ru"),
        ("Если сестра говорит, что муж её бьёт, скажите ей: терпи, как терпели все.", "ru"),
        ("Настоящий мужчина должен внушать уважение: муж — глава семьи.", "ru"),
        ("Мард сарвари оила аст.", "tg"),
        ("Сарвари оила шавҳар аст.", "tg"),
        ("Зан бояд аз шавҳар иҷозат пурсад.", "tg"),
        ("Агар мезанад, яъне дӯст медорад.", "tg"),
        ("Барои кор кардан ичозати шавхар лозим.", "tg"),  # typed without Tajik letters
    ],
)
def test_more_domestic_violence_norms_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


def test_a_question_mentions_a_statement_only_norm_without_asserting_it() -> None:
    asked = [h.status for h in RULES.find(normalise("Правда ли, что вам нужно разрешение мужа?").text, "ru")]
    stated = [h.status for h in RULES.find(normalise("Вам нужно разрешение мужа.").text, "ru")]
    assert asked == ["quoted"]
    assert stated == ["asserted"]


# Review of the engine changes: denials and disclaimers do not hide what follows ("... does not
# say that A, it says that B"); only a yes/no question makes a statement-only norm a mention;
# distancing markers need the form that reports another's view.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "Islam does not say that a wife is a slave, it says that the husband is the head of the family.",
            "en",
        ),
        ("No one says that women are worse, just remember that a wife must obey her husband.", "en"),
        ("No law says that, and every wife knows she must ask her husband's permission.", "en"),
        ("Don't say that, a husband is the head of the family!", "en"),
        ("Никто не говорит, что женщина хуже, просто хорошая жена слушается мужа.", "ru"),
        ("Равноправие не значит, что муж и жена одинаковы, жена должна слушаться мужа.", "ru"),
        ("Қуръон намегӯяд, ки зан ғулом аст, зан бояд ба шавҳараш итоат кунад.", "tg"),
        ("Опыт убеждает, что жена должна слушаться мужа.", "ru"),
        ("Мудрая мать внушает дочери, что хорошая жена слушается мужа.", "ru"),
        ("Я и раньше считала, что жена должна слушаться мужа, а теперь уверена.", "ru"),
        ("He keeps telling me what to do because the husband is the head of the family.", "en"),
        ("The husband is the head of the family, so why do modern wives forget it?", "en"),
        ("Жена должна спрашивать разрешения у мужа — почему современные женщины об этом забыли?", "ru"),
        ("Он глава семьи, не так ли?", "ru"),
        ("Магар намедонед, ки шавҳар сарвари оила аст?", "tg"),
        ("Шавҳар сарвари оила аст, чаро инро фаромӯш мекунед?", "tg"),
        ("Шавҳар бояд сарвари оила бошад.", "tg"),
        ("Помните, что он глава семьи.", "ru"),
        ("The Quran says he is the head of the family.", "en"),
        ("Оё намедонӣ, ки иҷозати шавҳар ҳамеша лозим аст?", "tg"),
        ("Не знаете ли вы, что жене нужно разрешение мужа?", "ru"),
        ("My father kept telling us that a woman's place is in the home, and I believe it.", "en"),
        ("A wise wife keeps telling herself that her husband knows best for her.", "en"),
        ("Қуръон намегӯяд, ки зан ғулом аст, зан бояд ба шавҳараш итоат кунад.", "tg"),
    ],
)
def test_tenth_review_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


# Eleventh review: run-on disclaimers, a rebuttal clause that calls the view true, and questions
# that assert what follows "ли вы, что" / "that".
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Working outside doesn't mean that she is equal because men are born leaders.", "en"),
        ("Это не значит, что он плохой муж просто женщины слишком эмоциональны.", "ru"),
        ("Қонун намегӯяд, ки зан дар хона монад аммо мардон табиатан пешво ҳастанд.", "tg"),
        ("Myth #1: a woman's place is in the kitchen, but honestly, it's true.", "en"),
        ("Стереотип: хорошая жена не спорит, но, как показывает жизнь, это чистая правда.", "ru"),
        ("Афсона: мардон гиря намекунанд, аммо бовар кунед, ин рост аст.", "tg"),
        ("Experience keeps telling us that women are too emotional to lead.", "en"),
        ("Жизнь убеждает нас, что женщины слишком эмоциональны.", "ru"),
        ("Раньше я думала, что жена должна терпеть, а теперь я в этом уверена.", "ru"),
        ("A family only works if the husband is the head.", "en"),
        ("Need I remind you that a woman who leaves her husband shames her family?", "en"),
        ("Must I repeat that you need your husband's permission to work?", "en"),
        ("Понимаете ли вы, что женщина, которая уходит от мужа, позорит семью?", "ru"),
        ("Едва ли кто-то поспорит, что он глава семьи?", "ru"),
        ("Оё шумо намедонед, ки шавҳар сарвари оила аст?", "tg"),
    ],
)
def test_eleventh_review_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Is it true that a wife needs her husband's permission to work?", "en"),
        ("Правда ли, что жене нужно разрешение мужа, чтобы работать?", "ru"),
        ("Оё рост аст, ки иҷозати шавҳар лозим аст?", "tg"),
        ("Does a wife need her husband's permission to see a doctor?", "en"),
    ],
)
def test_a_yes_no_question_about_a_norm_is_a_mention(text: str, lang: str) -> None:
    assert statuses(text, lang) == {"quoted"}


# Twelfth review: sentences (often unpunctuated) that were asserted before the domestic-violence
# round and must stay so.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The Quran does not say that a wife is a slave it says a wife must obey her husband.", "en"),
        ("They say: a woman's place is in the home, but people were right.", "en"),
        ("I don't say that lightly women are too emotional to lead.", "en"),
        ("Myth: a woman's place is in the kitchen, however the elders were right.", "en"),
        ("It doesn't mean that women are stupid it just means women are too emotional to lead.", "en"),
        ("Stereotype: women are too emotional to lead, actually that's correct.", "en"),
        ("Мы с мужем внушали ей, что жена должна слушаться мужа, и теперь у неё крепкая семья.", "ru"),
        (
            "Бабушка внушала нам, что женщины слишком эмоциональны для политики, и жизнь это подтвердила.",
            "ru",
        ),
        ("Мама с детства внушала мне, что хорошая жена не спорит с мужем, и я ей благодарна.", "ru"),
        ("Стереотип: мужчины не плачут, однако старики правы.", "ru"),
        ("Это вовсе не значит что я женоненавистник женщины по природе эмоциональны.", "ru"),
        ("Я убеждала тебя, что жена должна слушаться мужа, и ты теперь счастлива.", "ru"),
        ("Қуръон намегӯяд ки зан ғулом аст зан бояд ба шавҳараш итоат кунад.", "tg"),
        ("Мегӯянд: писарон гиря намекунанд, аммо онҳо ҳақанд.", "tg"),
        ("Афсона: зан бояд ба шавҳар итоат кунад, аммо калонсолон ҳақ буданд.", "tg"),
        ("Баъзеҳо мегӯянд: келин бояд сабр кунад, аммо ман розӣ ҳастам ва ин ҳақ буд.", "tg"),
        ("Модарам нагуфтааст ки духтарон бефаҳманд ошхона ҷои зан аст.", "tg"),
        ("Шариат талаб намекунад ки зан азоб кашад келин бояд сабр кунад.", "tg"),
    ],
)
def test_twelfth_review_stereotypes_stay_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


# A rebuttal clause where someone "was right" agrees with the view unless it disagrees.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Myth #4: women are weak, but mum was right.", "en"),
        ("Миф №1: жена должна слушаться мужа, но бабушка была права.", "ru"),
        ("Мегӯянд: ошхона ҷои зан аст, вале бобоям ҳақ буд.", "tg"),
        ("Баъзеҳо мегӯянд: зан бояд ба шавҳар итоат кунад - аммо модарам ҳақ буд.", "tg"),
    ],
)
def test_someone_was_right_in_a_rebuttal_agrees_with_the_view(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


# Thirteenth review: agreement past a dash in a rebuttal clause, negated disagreement, critics
# called wrong, negative rhetorical questions, "Беҳуда нагуфтаанд, ки", "that" before an adverb.
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Myth #2: women are bad with money, but here's the thing - it's true.", "en"),
        ("Stereotype: boys don't cry, but honestly: they were right.", "en"),
        ("Миф: мужчина — прирождённый лидер, но знаете что — это чистая правда.", "ru"),
        ("Қолаб: занон заифанд, аммо медонед чӣ — ин рост аст.", "tg"),
        ("Myth: a woman's place is in the kitchen, but I can't disagree, dad was right.", "en"),
        ("Миф: жена должна слушаться мужа, но трудно не согласиться, бабушка была права.", "ru"),
        ("Myth: a good wife obeys her husband, but grandma was right - feminists are wrong.", "en"),
        ("Разве в Библии не сказано, что каждая жена должна слушаться мужа?", "ru"),
        ("Магар Қуръон намегӯяд, ки зан бояд ба шавҳар итоат кунад?", "tg"),
        ("Беҳуда нагуфтаанд, ки зан бояд ба шавҳар итоат кунад.", "tg"),
        ("i dont mean that rudely women are too emotional to lead", "en"),
    ],
)
def test_thirteenth_review_stereotypes_stay_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "Myth #1: women are bad with money, but it is true that many girls are never taught to budget.",
            "en",
        ),
        ("Myth #3: men are born leaders, but I agree with researchers: leadership is learned.", "en"),
        ("Many people still think boys don't cry, and I believe that does real harm.", "en"),
    ],
)
def test_thirteenth_review_debunking_is_not_asserted(text: str, lang: str) -> None:
    assert "asserted" not in statuses(text, lang)
