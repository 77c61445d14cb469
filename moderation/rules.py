"""Explainable rules: per-category, per-language patterns that produce spans and reasons.

Patterns run on the normalised text (lower case, Tajik letters folded: ҳ→х, ҷ→ч, қ→к, ғ→г,
ӯ→у, ӣ→и, ё→е), so Tajik patterns may be written with either spelling; they are folded the
same way when compiled. Each hit is then put in context:

* ``negated``  -- a negation inside the match (for patterns that do not contain one themselves)
  or just before it: "a good wife does not have to obey", "неправда, что ...".
* ``debunked`` -- a debunking or distancing marker in the same sentence: "it is a myth that",
  "some still say", "говорят, что", "миф", "мегӯянд", "афсона".
* ``quoted``   -- the match sits inside quotation marks.
* ``asserted`` -- none of the above: the text states the stereotype itself.

Only asserted hits count as evidence for a stereotype; quoted hits are weak evidence; negated
and debunked hits count as evidence of counter-speech.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.normalise import _TABLE

# "up to n words in between"
_GAP = r"(?:\W+\w+){{0,{n}}}\W+"


def _gap(n: int) -> str:
    return _GAP.format(n=n)


G1, G2, G3, G4, G6 = _gap(1), _gap(2), _gap(3), _gap(4), _gap(6)


@dataclass(frozen=True)
class Rule:
    """One explainable pattern."""

    rule_id: str
    lang: str
    category: str
    pattern: re.Pattern[str]
    reason: str
    weight: float = 0.9
    has_negation: bool = False  # the stereotype itself is phrased negatively ("boys don't cry")


@dataclass(frozen=True)
class RuleHit:
    """A rule match on the normalised text, with the context it was found in."""

    rule_id: str
    category: str
    start: int
    end: int
    reason: str
    status: str  # asserted | quoted | negated | debunked
    weight: float


# (category, pattern, reason, has_negation)
_Spec = tuple[str, str, str, bool]

_EN: list[_Spec] = [
    # harmful norms
    ("harmful_norms", rf"\bgood\s+(?:wife|wives|woman|women|daughter-in-law|bride)\b{G4}(?:obey|obeys|submit|submits|listens?\s+to|never\s+(?:argues|complains|raises))",
     "presents obedience or silence as what makes a good wife", False),
    ("harmful_norms", rf"\b(?:wife|wives|woman|women)\s+(?:must|should|has\s+to|have\s+to|needs?\s+to)\s+(?:always\s+)?(?:obey|submit|endure|stay\s+silent|keep\s+silent|be\s+patient|accept\s+(?:him|his))",
     "tells women to obey, endure or stay silent", False),
    ("harmful_norms", r"\b(?:stays?|kept|keep\s+it|remain)\s+(?:inside|in|within)\s+the\s+(?:house|home|family)\b|\bkeep\s+(?:it\s+)?(?:quiet|silent)\b|\bdon'?t\s+wash\s+(?:your\s+)?dirty\s+linen",
     "\"keep it in the family\": discourages seeking help", False),
    ("harmful_norms", rf"\b(?:provoked?|provoke)\s+him\b|\bmade\s+him\s+(?:angry|hit)|\basking\s+for\s+(?:it|trouble)\b|\bwhat\s+(?:she|you)\s+did\s+to\s+(?:provoke|deserve)|\bdeserves?\s+(?:his\s+)?(?:anger|beating|it)\b",
     "blames the victim for the abuse", False),
    ("harmful_norms", rf"\bjealous\w*{G4}(?:loves?|love|cares?)\b|\b(?:shouts?|hits?|checks?\s+your\s+phone|controls?)\b{G3}because\s+he\s+(?:cares|loves|worries)",
     "frames jealousy or control as love", False),
    ("harmful_norms", rf"\b(?:never|don'?t|do\s+not)\s+go\s+to\s+(?:the\s+)?(?:police|court|courts|a\s+crisis\s+cent(?:re|er))|\bwithout\s+(?:the\s+)?police\b|\bforgive\s+him\s+and\s+go\s+back\b|\bstay\s+married\b|\b(?:divorce|divorced\s+woman)\b{G3}(?:disgrace|shame|worst)",
     "pressure to stay with an abuser or not to seek help", True),
    ("harmful_norms", rf"\b(?:brings?|bring|cause)\s+shame\s+on\s+(?:the|her|your)\b|\bshame\s+(?:on\s+)?the\s+family\b|\bfamily'?s?\s+(?:name|honour|honor)\s+first",
     "family honour placed above a woman's safety", False),
    ("harmful_norms", rf"\bhusband\s+(?:has\s+the\s+right|is\s+the\s+head|is\s+the\s+master)|\bpatience\s+is\s+a\s+woman'?s\s+duty|\bhis\s+anger\s+is\s+her\s+burden",
     "husband's authority over his wife as a norm", False),
    # roles
    ("roles", rf"\b(?:cooking|cleaning|housework|the\s+kitchen|kitchen|laundry|childcare|child\s+care|washing|dishes|nappies|the\s+home|home)\b{G2}(?:is|are)\s+(?:a\s+|the\s+)?(?:woman'?s|women'?s|wife'?s|his\s+wife'?s|mother'?s|girls?'?s?)\s+(?:job|work|duty|place|business|kingdom|domain|responsibility)",
     "assigns housework or care to women", False),
    ("roles", r"\b(?:a\s+)?woman'?s\s+(?:place|job|duty)\s+is\s+(?:in\s+the\s+|at\s+)?(?:kitchen|home|house)",
     "assigns women to the home", False),
    ("roles", rf"\b(?:men|husbands|fathers|dads)\s+(?:earn|provide|bring\s+home\s+the\s+money|decide)\b{G4}(?:women|wives|mothers|mums)\s+(?:keep|cook|clean|prepare|take\s+care|stay|bring)",
     "men earn and decide, women keep the home", False),
    ("roles", rf"\breal\s+(?:men|man)\s+(?:provide|earn|don'?t\s+(?:cook|clean|wash|change))|\breal\s+women\s+(?:cook|prepare|clean|stay)",
     "\"real men / real women\" role prescription", True),
    ("roles", rf"\b(?:money|finances?|the\s+budget)\s+is\s+a\s+man'?s\s+(?:business|job)|\bleave\s+(?:the\s+)?(?:money|finances?|big\s+decisions|decisions|the\s+car)\s+to\s+(?:your\s+husband|the\s+men|him|men)\b|\blet\s+the\s+man\s+of\s+the\s+house\s+(?:choose|decide)",
     "money and decisions reserved for men", False),
    ("roles", rf"\b(?:husband|man)\s+(?:must|should)\s+(?:always\s+)?be\s+the\s+(?:breadwinner|provider|head)|\bnot\s+ready\s+to\s+be\s+a\s+wife\b",
     "fixed breadwinner / housewife roles", False),
    ("roles", rf"\blet\s+(?:him|your\s+husband|dad)\s+(?:rest|sleep)\b{G6}(?:while\s+you|your\s+work|you\s+get)",
     "care work pushed onto the mother so the father can rest", False),
    # characteristics
    ("characteristics", rf"\b(?:women|woman|wives|girls)\s+(?:are|is)\s+(?:just\s+|naturally\s+|simply\s+|all\s+|by\s+nature\s+)?(?:not\s+good\s+with|bad\s+(?:at|with)|hopeless|too\s+emotional|emotional|weak|irrational|illogical|weaker)",
     "attributes weakness or irrationality to women", True),
    ("characteristics", rf"\b(?:so\s+simple|simple\s+enough|easy\s+enough|so\s+easy)?\b{G3}even\s+(?:your\s+|a\s+)?(?:wife|woman|women|ladies|mum|mother|girl)\s+(?:can|could|will)\b|\beven\s+a\s+woman\s+can\b",
     "\"so simple even a woman can\"", False),
    ("characteristics", r"\bmen\s+(?:are\s+)?(?:born\s+leaders|naturally\s+(?:strong|logical|rational|leaders)|don'?t\s+cry|never\s+(?:cry|panic)|are\s+not\s+built\s+for\s+feelings)|\bmen\s+are\s+born\s+leaders",
     "attributes strength, logic or leadership to men by nature", True),
    ("characteristics", r"\bwoman'?s\s+brain\b|\bwomen\s+can'?t\s+(?:keep|drive|understand|count|decide)|\b(?:every|a)\s+woman\s+(?:knows\s+she\s+)?is\s+hopeless",
     "attributes lower ability to women", True),
    # body image
    ("body_image", r"\bget\s+(?:your|her)\s+(?:body|figure|shape)\s+back\b|\bbaby\s+weight\b",
     "pressure on new mothers about their bodies", False),
    ("body_image", rf"\b(?:woman|wife|wives|bride|girl|women)\s+(?:must|should|has\s+to|needs\s+to)\s+(?:always\s+)?(?:stay|be|keep|look)\s+(?:slim|thin|beautiful|light-skinned|pretty|young)",
     "appearance demanded of women", False),
    ("body_image", rf"\b(?:slim|weight|figure|fat|chubby|makeup|stretch\s+marks|light-skinned|whitening)\b{G6}(?:husband|groom|marry|suitor)|\b(?:husband|marry)\b{G6}(?:slim|weight|figure|fat|chubby)\b",
     "appearance tied to keeping or finding a husband", False),
    ("body_image", r"\blets?\s+(?:herself|yourself)\s+go\b|\bno\s+muscles\b|\bbecome\s+a\s+man\s+women\s+want",
     "appearance pressure", False),
    # mocking
    ("mocking", rf"\b(?:man|men|husband|dad)\s+in\s+(?:an\s+)?apron|\bstay-at-home\s+dad\b{G6}(?:apron|joke|laugh|humou?r)|\bwear\s+her\s+(?:headscarf|dress|skirt)|\btaken\s+his\s+trousers|\blapdog\b|\bhenpecked\b",
     "mocks men who do care or housework", False),
    ("mocking", rf"\b(?:woman|lady|women)\s+(?:driver|behind\s+the\s+wheel)\b|\bnot\s+for\s+ladies\b|\bsingle\s+at\s+(?:thirty|forty|\d+)|\bno\s+man\s+would\s+(?:take|want|marry)\s+her",
     "mocks women who drive, work or stay single", False),
    ("mocking", rf"\b(?:laugh|laughing|laughs|joke|jokes|whisper|talking)\b{G2}(?:at\s+him|at\s+her|behind\s+her)|\bwhat\s+kind\s+of\s+man\b|\bjoke\s+of\s+the\s+(?:whole\s+)?(?:mahalla|village|street)",
     "ridicules people who do not conform", False),
    # children
    ("children", r"\btoys?\s+for\s+real\s+boys|\bfor\s+real\s+boys\b|\blittle\s+(?:housewives|housewife)\b|\bboys\s+only\b|\bsoft\s+boys\b|\bpink\s+for\s+princesses\b",
     "gendered toys and products for children", False),
    ("children", rf"\b(?:boys|a\s+boy|your\s+son|sons)\s+(?:must\s+not|mustn'?t|don'?t|do\s+not|should\s+not|shouldn'?t|never)\s+cry\b|\b(?:stand\s+up|behave)\s+like\s+a\s+man\b|\bgrow\s+up\s+(?:soft|weak)\b",
     "tells boys not to cry or show feelings", True),
    ("children", rf"\bgirls?\s+(?:should|must|need\s+to)\s+(?:learn\s+to\s+)?(?:play\s+house|sit\s+quietly|help\s+(?:her|their)\s+mother|sew|cook|serve)|\bgirls\s+don'?t\s+need\s+to\s+study\b|\b(?:is|are)\s+for\s+boys\b{G3}(?:is|are)?\s*for\s+girls",
     "restricts what girls and boys may do", True),
    # Tajik/Russian-style proverbs voiced in English
    ("roles", r"\bthe\s+way\s+to\s+a\s+man'?s\s+heart\b", "proverb used to prescribe women's roles", False),
]

_RU: list[_Spec] = [
    ("harmful_norms", rf"\b(?:хорошая|настоящая|мудрая|правильная|послушная)\s+(?:жена|женщина|невестка|супруга)\b{G3}(?:слушается|слушает|подчиняется|повинуется|не\s+спорит|молчит|промолчит|терпит|не\s+доводит)",
     "представляет послушание и молчание как добродетель жены", True),
    ("harmful_norms", rf"\b(?:жена|женщина|невестка|супруга)\s+(?:должна|обязана)\s+(?:всегда\s+|во\s+всем\s+)?(?:слушаться|слушать|подчиняться|терпеть|молчать|прощать|мириться)",
     "требует от женщины послушания или терпения", False),
    ("harmful_norms", r"\bсор\s+из\s+избы|\bне\s+выносите?\b\W+(?:\w+\W+){0,2}(?:сор|проблемы|ссоры)|\bсемейное\s+дело\b|\bрешает\s+проблемы\s+дома",
     "«не выносить сор из избы»: отговаривает от обращения за помощью", True),
    ("harmful_norms", rf"\bревнует\W+значит\W+любит|\bревность\b{G4}(?:любв|любит|чувств)|\b(?:проверяет|контролирует|кричит)\b{G6}(?:доказательство|значит|потому\s+что)\s+(?:его\s+)?(?:чувств|любит|любв|заботится|переживает)",
     "выдаёт ревность и контроль за любовь", False),
    ("harmful_norms", rf"\b(?:чем|что)\s+вы\s+его\s+(?:рассердили|разозлили|довели)|\bсама\s+виновата\b|\bдовела\s+(?:мужа|его)\b|\bспровоцировала\b|\bзаслужила\b",
     "обвиняет пострадавшую в насилии", False),
    ("harmful_norms", rf"\bпомиритесь\b|\b(?:любая\s+семья\s+лучше|лучше\s+(?:чем\s+)?развод)|\bразвод\b{G3}(?:позор|хуже)|\bпозор\s+для\s+(?:всей\s+)?семьи\b|\b(?:жалоба|заявление|обращаться|идти|жаловаться)\b{G3}(?:в\s+)?(?:милицию|полицию)\b{G4}(?:позор|стыд|нельзя)|\bне\s+(?:ходите|обращайтесь|жалуйтесь)\s+в\s+(?:милицию|полицию|кризисный)",
     "давит, чтобы женщина осталась с обидчиком или не искала помощи", True),
    ("harmful_norms", r"\bмуж\s+(?:—|-)?\s*(?:глава|хозяин)\b{0}|\bмуж\s+имеет\s+право\b|\bтерпение\s+(?:—|-)?\s*(?:долг|удел)\s+женщины".replace("{0}", ""),
     "власть мужа над женой как норма", False),
    ("roles", rf"\b(?:кухня|готовка|уборка|стирка|уход\s+за\s+детьми|хозяйство|домашние\s+дела|пеленки|дом)\b{G2}(?:—|-)?\s*(?:это\s+)?(?:место|дело|обязанность|удел|забота)\s+(?:женщины|жены|матери|хозяйки)|\bженское\s+дело\b",
     "закрепляет за женщинами домашний труд и уход", False),
    ("roles", rf"\b(?:мужчина|муж|отец|папа)\s+(?:должен\s+)?(?:зарабатывает|зарабатывать|обеспечивать|обеспечивает|кормит|решает|решать|распределять|распоряжаться)\b{G6}(?:жена|женщина|мать|мама|жене|женщине)\b",
     "мужчина зарабатывает и решает, женщина ведёт дом", False),
    ("roles", rf"\b(?:деньги|финансы|бюджет)\b{G4}(?:должен|должны|лучше)\s+(?:распределять|решать|распоряжаться|доверить)\s+(?:муж|мужчин)|\bпусть\s+(?:муж|мужчина)\s+(?:решает|решит|выберет)|\bоткройте\s+сч[её]т\s+на\s+имя\s+мужа|\bженщине\s+лучше\s+не\s+вмешиваться",
     "деньги и решения оставлены мужчинам", True),
    ("roles", rf"\b(?:ваша\s+)?главная\s+обязанность\b|\bнастоящая\s+хозяйка\b|\b(?:дайте|пусть)\s+(?:мужу|папе|ему)\s+отдохнуть\b{G6}(?:сами|вы)|\bпока\s+(?:мужчины|муж)\s+отдыха",
     "домашний труд как обязанность женщины", False),
    ("characteristics", rf"\b(?:женщины|женщина|жены|девушки|девочки)\s+(?:слишком\s+|по\s+природе\s+|просто\s+)?(?:эмоциональн\w*|слабее|слабые|слабы|не\s+разбираются|не\s+умеют\s+(?:считать|водить|принимать)|нелогичн\w*)",
     "приписывает женщинам слабость или нелогичность", True),
    ("characteristics", r"\bдаже\s+(?:ваша\s+)?(?:жена|женщина|женщину|мама|девушка|бабушка)\b|\bразбер[её]тся\s+даже\b",
     "«так просто, что справится даже женщина»", False),
    ("characteristics", r"\bнастоящие\s+мужчины\s+не\b|\bмужчины?\s+не\s+плач\w*|\bмужчина\s+(?:—|-)?\s*прирожд[её]нный\s+лидер|\bсильн\w+\s+пол\w*|\bмужчина\s+не\s+должен\s+показывать",
     "приписывает мужчинам силу и лидерство по природе", True),
    ("characteristics", r"\bженщинам\s+(?:лучше\s+)?не\s+доверять|\bфинансовые\s+вопросы\s+женщинам|\bженщина\s+рождена\b",
     "приписывает женщинам меньшие способности", True),
    ("body_image", r"\bверн\w*\s+фигур\w*|\bне\s+запускайте\s+себя\b|\bзапустила\s+себя\b|\bпосле\s+родов\b\W+(?:\w+\W+){0,8}(?:стройн\w*|фигур\w*|худе\w*)",
     "давление на молодых матерей из-за фигуры", True),
    ("body_image", rf"\b(?:жена|женщина|невеста|девушка)\s+должна\s+быть\s+(?:всегда\s+)?(?:стройной|красивой|худой|светлокожей|ухоженной)|\b(?:стройн\w*|худ\w*|вес\w*|фигур\w*|смугл\w*|светл\w+\s+кож\w*)\b{G6}(?:муж\w*|замуж|свекровь|жених\w*)|\b(?:муж\w*|замуж)\b{G6}(?:стройн\w*|худ\w*|лишним\s+весом|смугл\w*)",
     "внешность как условие брака или любви мужа", False),
    ("mocking", rf"\b(?:мужчина|муж|папа)\s+в\s+декрете\b|\bподкаблучник\w*|\bжена\s+у\s+него\s+командует|\b(?:посмеются|смеются|засмеют|смеяться)\b{G3}(?:над\s+ним|над\s+ней)?",
     "высмеивает тех, кто не вписывается в роли", False),
    ("mocking", r"\bдаже\s+женщину\s+парковаться|\bженщина\s+за\s+рул[её]м\b|\bдевушка-инженер\b|\bлучше\s+бы\s+замуж\s+вышла|\bтак\s+и\s+останется\s+одна|\bстарая\s+дева",
     "высмеивает женщин, которые водят, работают или не замужем", False),
    ("children", r"\bмальчики\s+не\s+плачут|\b(?:только\s+)?для\s+настоящих\s+(?:мальчиков|девочек)|\bнастоящей\s+девочке\b|\bмаленькая\s+хозяйка\b|\bты\s+же\s+(?:мальчик|девочка)\b",
     "гендерные предписания детям", True),
    ("children", rf"\b(?:сыну|мальчикам)\b{G4}(?:инженер|врач)\w*{G4}(?:дочк\w*|девочкам)|\bне\s+давайте\s+(?:дочке|дочери|сыну)\b|\bпусть\s+(?:играет\s+в\s+куклы|учится\s+быть\s+хозяйкой)",
     "ограничивает выбор девочек и мальчиков", True),
]

_TG: list[_Spec] = [
    ("harmful_norms", rf"\b(?:зани|келини|духтари|арӯси)\s+(?:хуб|доно|оқил|асил|ҳақиқӣ)\b{G4}(?:итоат|фармонбардор|ҷавоб\s+намегардонад|хомӯш\s+мемонад|гап\s+намезанад|тоқат|сабр)",
     "итоаткорӣ ва хомӯширо фазилати зан нишон медиҳад", True),
    ("harmful_norms", rf"\b(?:зан|келин|ҳамсар)\b{G3}бояд\b{G3}(?:итоат|таҳаммул|сабр|хомӯш|оштӣ)",
     "аз зан итоат ё таҳаммулро талаб мекунад", False),
    ("harmful_norms", r"\bгапи\s+хона(?:ро)?\s+ба\s+кӯча|\bсирри\s+оила\w*|\bобрӯи\s+оила\w*|\bдоғи\s+сиёҳ\b|\bшарманда\s+(?:мекунад|мешавад)",
     "«гапи хонаро ба кӯча набар»: аз кӯмак пурсидан бозмедорад", False),
    ("harmful_norms", rf"\bрашк\b{G3}(?:муҳаббат|ишқ|дӯст\s+медорад)|\b(?:месанҷад|назорат\s+мекунад)\b{G4}(?:дӯст\s+медорад|муҳаббат)",
     "рашк ва назоратро муҳаббат меномад", False),
    ("harmful_norms", rf"\b(?:худаш|зан)\b{G3}ба\s+хашм\s+овард|\bайби\s+(?:худаш|зан)\b|\bрафтори\s+худро\s+санҷ",
     "ҷабрдидаро дар зӯроварӣ айбдор мекунад", False),
    ("harmful_norms", rf"\bба\s+оштӣ\s+водор|\bоила\s+аз\s+ҳама\s+чиз\s+болотар|\bталоқ\b{G3}(?:доғ|шарм|бадтарин)|\bба\s+милиса\w*\b{G4}(?:шарм|набаред|нараве)",
     "занро ба монданд бо зӯровар водор мекунад", False),
    ("harmful_norms", r"\bхушдоман\s+ҳамеша\s+ҳақ|\bшавҳар\s+(?:сардор|соҳиби)\b|\bшавҳар\s+ҳақ\s+дорад",
     "ҳукмронии шавҳар ё хушдоманро меъёр мешуморад", False),
    ("roles", rf"\b(?:пухтупаз|ошпазӣ|корҳои\s+хона|хонадорӣ|ошхона|нигоҳубини\s+кӯдак\w*|тозакунӣ|ҷомашӯӣ)\b{G2}(?:кори|вазифаи|ҷои)\s+(?:зан|занон|модар|келин)\b",
     "корҳои хонаро ба зимаи зан мегузорад", False),
    ("roles", rf"\b(?:падар|мард|шавҳар)\b{G3}(?:пул\w*|рӯзгор\w*|маош)\b{G4}(?:модар|зан|келин)\b{G4}(?:хона|ошхона)|\b(?:мард|шавҳар)\s+бояд\s+(?:пул\s+биёрад|қарор\s+қабул)",
     "мард пул меорад, зан хона нигоҳ медорад", False),
    ("roles", rf"\bпул(?:ро)?\b{G4}(?:ба\s+)?(?:шавҳар|мард)\w*\s+(?:вогузоред|супоред|диҳед)|\bзан\s+набояд\s+ба\s+(?:корҳои\s+)?пул|\bмасъалаҳои\s+ҷиддии\s+оила\w*\s+ба\s+мард",
     "пул ва қарорҳоро ба мардон вогузор мекунад", True),
    ("roles", r"\bҳар\s+кадбону\b|\bкадбонуи\s+хуб\b|\bвазифаи\s+асосии\s+(?:зан|шумо)|\bба\s+ӯ\s+халал\s+нарасонед",
     "корҳои хонаро вазифаи зан медонад", True),
    ("characteristics", rf"\b(?:занҳо|занон|зан)\b{G2}(?:аз\s+рӯи\s+эҳсос|эҳсосотӣ|заиф|нотавон|сар\s+намебарорад|фаҳмида\s+наметавонад|қобилият\s+надорад)",
     "ба занон заифӣ ё эҳсосотиро нисбат медиҳад", True),
    ("characteristics", r"\bҳатто\s+(?:занатон|занон|зан|модаратон)\b|\bзан\s+ҳам\s+фаҳмад\b",
     "«он қадар содда, ки ҳатто зан ҳам метавонад»", False),
    ("characteristics", rf"\bмард(?:он)?\s+гиря\s+намекун\w*|\bмард\s+бояд\s+сахт\b|\bмардон\s+(?:табиатан\s+)?(?:пешво|сардор|қавӣ)|\bҷинси\s+қавӣ\b",
     "ба мардон сахтӣ ва пешвоиро табиатан нисбат медиҳад", True),
    ("body_image", rf"\bба\s+қомати\s+(?:пештара|пешина)\w*|\bбаъди\s+таваллуд\b{G6}(?:лоғар|қомат|ҳамвор|арӯс)|\bпас\s+аз\s+таваллуд\b{G6}(?:лоғар|қомат|ҳамвор|арӯс)",
     "ба модарони ҷавон барои бадан фишор меорад", False),
    ("body_image", rf"\b(?:зан|арӯс|духтар)\w*\s+бояд\b{G4}(?:лоғар|зебо|ороста|рӯсафед|вазн)|\b(?:лоғар|фарбеҳ|вазн\w*|рӯсафед)\w*\b{G6}(?:шавҳар|хостгор|хушдоман)\w*|\bхостгор\s+намеояд",
     "намуди зоҳириро шарти издивоҷ ё муҳаббати шавҳар медонад", True),
    ("body_image", r"\bмушак\s+надорӣ\b|\bмард\s+нестӣ\b|\bмардони\s+пастқад",
     "фишор барои намуди зоҳирии мардон", True),
    ("mocking", rf"\b(?:механданд|масхара|ханда\s+мекунанд|ханда\s+карданд)\b|\bдигар\s+мард\s+нест\b|\bкӣ\s+мард\s+асту\s+кӣ\s+зан|\bмарди\s+ҳақиқӣ\s+нестед",
     "касонеро, ки ба нақшҳо мувофиқ нестанд, масхара мекунад", True),
    ("mocking", rf"\bзане,?\s+ки\s+мошин\s+меронад|\bҳанӯз\s+шавҳар\s+накардааст\b{G4}шарм|\bшармандагӣ\s+меорад",
     "занони ронанда, кормандон ё бешавҳарро масхара мекунад", False),
    ("children", rf"\bбарои\s+писарони\s+ҳақиқӣ|\bписарон\s+гиря\s+намекунанд|\bба\s+писаратон\s+лӯхтак\s+нахаред|\bмард\s+шуда\s+калон\s+шавад",
     "ба кӯдакон нақшҳои гендериро таҳмил мекунад", True),
    ("children", rf"\bдухтар\w*\b{G4}(?:қобилият\s+надоранд|ошпазию|ба\s+омӯзгорӣ)|\bдухтарро\s+аз\s+хурдӣ\b{G3}(?:ошпаз|дӯзанд)",
     "имконоти духтарон ва писаронро маҳдуд мекунад", True),
]

_DEBUNK = {
    "en": r"\bmyths?\b|\bnot\s+true\b|\bisn'?t\s+true\b|\buntrue\b|\bstereotypes?\b|\bprejudices?\b|\bold\s+(?:saying|idea|belief)|\bcontrary\s+to\b|\b(?:some(?:\s+\w+)?|people|relatives|neighbou?rs|they|others|many)\s+(?:still\s+)?(?:say|said|believe|think|claim|insist|joke)\b|\bit\s+is\s+(?:often\s+|commonly\s+)?said\b|\bwe\s+(?:are|were)\s+told\b|\bused\s+to\s+(?:think|believe|say)\b|\bnonsense\b|\boutdated\b|\bno\s+longer\b|\bdon'?t\s+believe\b|\bwrong\b|\bfalse\b|\bmisconception\b",
    "ru": r"\bмиф\w*|\bнеправда\b|\bне\s+правда\b|\bстереотип\w*|\bпредрассуд\w*|\bговорят\b|\bсчитается\b|\bпринято\s+(?:считать|думать)|\bбытует\b|\bнекоторые\b|\bмногие\s+(?:до\s+сих\s+пор\s+)?(?:считают|думают|уверены)|\bтвердят\b|\bповторяют\b|\bякобы\b|\bвопреки\b|\bэто\s+не\s+так\b|\bустарел\w*|\bзаблуждени\w*|\bошибочн\w*|\bпоговорк\w*",
    "tg": r"\bафсона\w*|\bнодуруст\w*|\bдурӯғ\w*|\bгӯё\b|\bмегӯянд\b|\bмегуфт\w*|\bбаъзеҳо\b|\bбисёриҳо\b|\bқолаб\w*|\bтасаввурот\w*|\bстереотип\w*|\bхурофот\w*|\bбаръакси\b|\bгумон\s+мекунанд\b|\bасос\w*\s+надорад|\bмақол\w*|\bодати\s+кӯҳна",
}
_NEGATION = {
    "en": r"\b(?:not|no|never|nobody|neither|nor|without|n't)\b|n't\b",
    "ru": r"\b(?:не|нет|ни|никогда|вовсе|нельзя)\b",
    "tg": r"\b(?:не|нест\w*|набояд|ҳеҷ|на)\b",
}
# A following sentence that opens with a contrast rebuts the previous one ("... . But ...").
_REBUTTAL = {
    "en": re.compile(r"\s*(?:but|however|in\s+fact|actually|in\s+reality|yet|in\s+our\s+(?:family|house|home))\b"),
    "ru": re.compile(r"\s*(?:но|однако|на\s+деле|на\s+самом\s+деле|а\s+ведь|в\s+нашей\s+семье)\b"),
    "tg": re.compile(r"\s*(?:аммо|вале|лекин|дар\s+асл|дар\s+оилаи\s+мо)\b"),
}
_SENTENCE_END = re.compile(r"[.!?;\n]+")


def _fold(pattern: str) -> str:
    return pattern.translate(_TABLE)


def _compile(lang: str, specs: list[_Spec]) -> list[Rule]:
    rules = []
    for i, (category, pattern, reason, has_neg) in enumerate(specs, start=1):
        rules.append(
            Rule(
                rule_id=f"{lang}.{category}.{i}",
                lang=lang,
                category=category,
                pattern=re.compile(_fold(pattern)),
                reason=reason,
                has_negation=has_neg,
            )
        )
    return rules


class StereotypeRules:
    """The rule set for all three languages; ``find`` returns hits in context."""

    version = "rules-1"

    def __init__(self) -> None:
        self.rules: dict[str, list[Rule]] = {
            "en": _compile("en", _EN),
            "ru": _compile("ru", _RU),
            "tg": _compile("tg", _TG),
        }
        self._debunk = {k: re.compile(_fold(v)) for k, v in _DEBUNK.items()}
        self._negation = {k: re.compile(_fold(v)) for k, v in _NEGATION.items()}

    def find(self, norm_text: str, lang: str) -> list[RuleHit]:
        """All rule hits in ``norm_text`` (already normalised) for ``lang``, with their status."""
        rules = self.rules.get(lang, self.rules["en"])
        hits: list[RuleHit] = []
        sentences: list[tuple[int, int]] | None = None
        for rule in rules:
            for m in rule.pattern.finditer(norm_text):
                if m.end() == m.start():
                    continue
                end = m.end()
                while end < len(norm_text) and norm_text[end].isalnum():
                    end += 1  # spans cover whole words
                if sentences is None:
                    sentences = _sentences(norm_text)
                s_start, s_end = _sentence_of(sentences, m.start())
                status = self._status(norm_text, m.start(), end, s_start, s_end, lang, rule)
                hits.append(
                    RuleHit(rule.rule_id, rule.category, m.start(), end, rule.reason, status,
                            rule.weight)
                )
        return hits

    def _status(self, text: str, start: int, end: int, s_start: int, s_end: int, lang: str,
                rule: Rule) -> str:
        sentence = text[s_start:s_end]
        if self._debunk[lang].search(sentence) or _REBUTTAL[lang].match(text, s_end):
            return "debunked"
        before = text[s_start:start]
        # the three words before the match
        window = " ".join(re.findall(r"[\w']+", before)[-3:])
        neg = self._negation[lang]
        if lang == "tg":
            # Tajik is verb-final: the negated verb follows the match ("... нишонаи муҳаббат нестанд")
            after = " ".join(re.findall(r"[\w']+", text[end:s_end])[:2])
            window = f"{window} {after}"
        if neg.search(window) or (not rule.has_negation and neg.search(text[start:end])):
            return "negated"
        if before.count('"') % 2 == 1:
            return "quoted"
        return "asserted"


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def _sentence_of(sentences: list[tuple[int, int]], index: int) -> tuple[int, int]:
    for s, e in sentences:
        if s <= index < e:
            return s, e
    return 0, sentences[-1][1] if sentences else 0
