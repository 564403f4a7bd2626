"""A learner's everyday words and the words textbooks write for the same thing.

A learner asks "what gas do plants give off?" of a text that says "releases oxygen", or "why
do people buy less when it gets expensive?" of one that says "as the price rises, buyers
purchase less". Each group below holds words and phrases that mean the same (or one that a
question in the others' words is about: "expensive" is about a price); a question that uses
one also searches for the group's single words, at RELATED_WEIGHT of a word it uses itself.

Phrases ("give off", "slow down") are matched in the question but never added to it: their
words alone ("give", "slow") mean other things. Groups are general English, not any one
document's; where a word has two senses ("fall" of prices and of autumn), the group holds
only the sense a textbook question is likely to mean.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from agents_app.text import contains, stem, terms, words

RELATED_WEIGHT = 0.5
PHRASE_WEIGHT = 1.0

_GROUPS = """
give off | release | emit | discharge
take in | absorb | soak up | intake
break down | decompose | degrade
build up | accumulate | pile up
slow down | hold back | limit | restrict | hinder | decelerate
speed up | accelerate | quicken | hasten
go up | rise | increase | climb
go down | fall | decrease | drop | decline | less | fewer | reduce | lower
buy | buyer | purchase | purchaser
expensive | cheap | costly | price | cost
use up | consume | deplete
get rid of | remove | eliminate
find out | discover | detect | determine
work out | calculate | compute
come from | originate | origin | source
made of | made up of | consist | composed | comprise
turn into | change into | become | convert | transform
look like | resemble
carry | transport | convey
keep | maintain | retain | preserve
stop | prevent | halt | block
need | require | necessary | essential
change | alter | modify
cause | lead to | result in | trigger | bring about
because of | due to | caused by | result of
happen | occur | take place
start | begin | commence | initiate
end | finish | conclude | terminate
fight | battle | combat | conflict
kill | slay | execute | murder | assassinate
die | death | perish
live | inhabit | reside | dwell
eat | feed | ingest | diet
breathe | breathing | respiration | respire | inhale
sweat | perspire | perspiration
push | pull | force | thrust
fast | quick | speed | velocity
hot | heat | warm | warmth | temperature
cold | cool | chill | temperature
big | large | huge | enormous | vast | size
small | tiny | size
old | ancient | age
rich | wealthy | wealth | affluent
poor | poverty | impoverished
money | income | wage | salary | earnings
job | employment | occupation | labour | labor
worker | labourer | laborer | employee
boss | employer | owner | manager
company | firm | business | corporation | enterprise
shop | store | retailer
king | queen | monarch | ruler | sovereign | crown
country | nation
town | city | urban | municipal
village | countryside | rural
law | rule | regulation | statute | legislation
vote | election | ballot | suffrage
tax | levy | duty | tariff
army | troops | soldiers | military
revolt | rebellion | uprising | revolution | riot
take over | conquer | seize | capture | invade | occupy
give up | surrender | abandon | abdicate
throw out | overthrow | depose | oust | topple
win | victory | triumph | defeat
friend | ally | alliance
enemy | foe | rival | opponent
trade | commerce | exchange
goods | products | merchandise | commodities
factory | mill | manufacturing
machine | machinery
invent | invention | inventor | innovation
farm | farming | farmer | agriculture | agricultural | crop
food | nutrient | nutrition | nourishment
sugar | glucose
inherit | inheritance | heredity | hereditary | genetic
germ | bacteria | bacterium | microbe | pathogen | virus
sick | ill | illness | disease | infection
cure | treat | treatment | remedy | medicine
baby | infant | offspring
copy | replicate | duplicate | reproduce
split | divide | division
join | combine | merge | fuse
mix | mixture | blend
hole | opening | vent | cavity
melt | molten | liquefy
freeze | frozen | solidify
boil | evaporate | evaporation | vaporise | vaporize
rain | rainfall | precipitation | drizzle | downpour
flood | flooding | overflow | inundate
dry | drought | arid
wet | damp | moist | saturated | soaked
soak in | seep | infiltrate | infiltration
earthquake | quake | tremor | seismic
air | atmosphere | atmospheric
ground | soil | land
sea | ocean | marine | seawater
river | stream
plant | vegetation | flora
animal | fauna | creature
wind | breeze | gust
storm | hurricane | cyclone | typhoon
chance | probability | likelihood | odds | likely
guess | estimate | predict | forecast
add | sum | total | plus
take away | subtract | minus
amount | quantity | how much | how many
idea | theory | concept | notion
proof | prove | evidence
bounce | reflect | reflection | rebound
move | motion | movement
stay still | at rest | stationary | motionless
hit | collide | collision | impact
dirty | polluted | pollution | contaminated
clean | pure | purify | filter
rubbish | waste | garbage | trash | litter
cut down | deforestation | logging
same | identical | equal | equivalent
"""


@lru_cache(maxsize=1)
def _groups() -> list[tuple[list[tuple[str, ...]], set[str]]]:
    """Each group as (its members as stemmed word sequences, the terms of its single words)."""
    groups = []
    for line in _GROUPS.strip().splitlines():
        members = [member.strip() for member in line.split("|")]
        keys = [tuple(stem(w) for w in words(member)) for member in members]
        singles = {t for member in members if len(words(member)) == 1 for t in terms(member)}
        groups.append((keys, singles))
    return groups


@lru_cache(maxsize=1)
def _starting() -> dict[str, tuple[int, ...]]:
    """Stem -> the groups (by index) with a member that begins with it: a query is matched
    against those only, in their order (a phrase's group can lower a word another raised)."""
    index: dict[str, list[int]] = {}
    for number, (keys, _) in enumerate(_groups()):
        for first in dict.fromkeys(key[0] for key in keys):
            index.setdefault(first, []).append(number)
    return {first: tuple(numbers) for first, numbers in index.items()}


@dataclass(frozen=True)
class QueryTerms:
    """What a query searches for, term -> weight."""

    own: Mapping[str, float]  # its terms (1) and the meaning of its phrases (PHRASE_WEIGHT)
    related: Mapping[str, float]  # the groups of its single words (RELATED_WEIGHT)

    def weights(self) -> dict[str, float]:
        return {**self.related, **self.own}


@lru_cache(maxsize=4096)
def query_terms(query: str) -> QueryTerms:
    """The query's terms, with the groups its words or phrases belong to. A phrase's group says
    what the phrase means, so its single words weigh as much as the query's own, and the
    phrase's own words ("give" of "give off") only RELATED_WEIGHT."""
    tokens = tuple(stem(w) for w in words(query))
    own = dict.fromkeys(terms(query), 1.0)
    related: dict[str, float] = {}
    groups, starting = _groups(), _starting()
    for keys, singles in (groups[i] for i in sorted({i for t in set(tokens) for i in starting.get(t, ())})):
        phrases = [key for key in keys if len(key) > 1 and contains(tokens, key)]
        if phrases:
            for term in (t for key in phrases for t in key if t in own):
                own[term] = RELATED_WEIGHT
            for term in singles:
                own[term] = max(own.get(term, 0.0), PHRASE_WEIGHT)
        elif any(len(key) == 1 and key[0] in tokens for key in keys):
            for term in singles:
                related[term] = RELATED_WEIGHT
    return QueryTerms(MappingProxyType(own), MappingProxyType({t: w for t, w in related.items() if t not in own}))
