"""The evaluation set: natural requests in context, each with what must happen.

`bench/planner.py` prints the same numbers. The floors here guard against a change that
makes the planner understand less; they are the measured levels less a margin, not the
goals (90% routing and 85% arguments on the held-out part, see the README).
"""

import functools

import pytest

from agent import request_classifier

from bench.planner import DEV, PARTS, evaluate, load_cases, planner, report
from tests.conftest import REPO

FLOORS = {  # part: (routing, arguments); measured 2026-12-02, in %: dev 100/96.6, dev2 95.0/86.9, dev3 93.9/88.0,
    # dev4 97.3/90.1, dev5 96.0/94.4, held-out 72.2/55.6; dev6 82.0/71.1 before tuning, 92.7/81.1 after two rounds;
    # dev7 93.3/87.4 before tuning, 97.3/95.8 after; dev8 (long contexts) 82.0/61.1 before tuning, 92.0/78.9 after;
    # dev9 (written without reading the others) 80.0/62.2 before tuning, 94.0/86.7 after; held-out then 73.6/57.8;
    # dev10 (written blind: tools' names, descriptions and schemas only) 74.0/58.9 before tuning, 92.7/83.3 after;
    # held-out then still 73.6/57.8; dev11 (written blind) 80.7/83.3 before tuning, 90.7/91.1 after, dev9 94.7/87.8,
    # dev10 94.7/87.8, held-out then 76.4/60.0; dev12 (written blind) 84.0/64.4 at the session's start, 86.7/66.7 before
    # tuning on it, 92.0/83.3 after; held-out then 75.0/57.8; dev13 (written blind) 78.7/72.8 at the session's start,
    # 81.3/71.7 before tuning on it, 91.3/85.9 after; held-out then 75.0/60.0; standing settings scoped to the runs they
    # were said for: dev12 94.7/87.8, dev13 91.3/87.0; dev14-16 (written blind) 84.0/80.2, 88.0/77.1, 80.7/70.8 by the rules
    # alone, before the request classifier; with it and trained on all sixteen parts: dev14 91.3/87.5, dev15 94.0/87.5,
    # dev16 90.7/82.3 (86.0/78.1 while dev16 was not in its training), held-out 88.9/68.9; argument readers for sweep rows,
    # side names, hint words, seeds, spelled decimals (56 dev cases fixed, none broken), then dev17 (written blind after
    # them, unseen by rules and classifier) 91.3/89.6, and 96.0/95.8 once in the training; held-out still 88.9/68.9; dev18 (written
    # blind, two thirds of its run requests stating 2-4 arguments) 86.0/78.4 unseen, 94.7/93.8 after its mechanisms, 97.3/95.9 once
    # in the training; held-out still 88.9/68.9; dev20-24 (written blind; kept out of the classifier's training, in
    # tests/agent/planner_cases/) unseen 84.0/74.2, 78.0/58.1, 90.0/83.3, 76.0/73.3, 82.0/62.5, after their mechanisms (2026-12-03)
    # 96.0/93.5, 90.0/77.4, 100/90.0, 84.0/76.7, 92.0/75.0; held-out still 88.9/68.9; dev25-27 (written blind, mid-session
    # requests with several settings, a varied cast of users, whole workflows) unseen 82.0/56.7, 80.0/50.0, 90.0/71.0, after
    # their mechanisms (2026-12-03) 92.0/80.0, 94.0/80.0, 94.0/90.3; dev21-24 then 92.0/83.9, 100/93.3, 84.0/83.3, 94.0/84.4;
    # held-out 90.3/68.9; dev28-30 (written blind: whole experiments stated at once, follow-ups changing settings, each
    # tool's own settings in words) unseen 96.0/75.0, 78.0/72.4, 96.0/55.3, after their mechanisms (2026-12-03) 98.0/100,
    # 94.0/100, 98.0/94.7; dev23 then 84.0/86.7, dev25 94.0/86.7; held-out still 90.3/68.9; on the next machine (AMD EPYC,
    # 2026-12-03) the same code read 88.9/66.7 (the classifier sits near its threshold on some requests: dev23-006 had
    # log-odds 2.03 against 2.0 there); dev31-33 (written blind: the
    # style of the first parts, long working sessions, researchers who talk in the papers' terms and in code) unseen
    # 94.0/76.7, 74.0/46.9, 92.0/71.9, after their mechanisms 96.0/90.0, 92.0/75.0, 96.0/84.4; held-out 88.9/66.7 unchanged;
    # dev34-36 (written blind: several settings per request as people say them, follow-ups, users who describe the
    # experiment rather than the tool) unseen 84.0/59.5, 86.0/60.0, 80.0/57.1; dev37-38 (written blind later in the same
    # session: the first parts' mix and manner, one researcher's day) unseen 94.0/80.0, 96.0/87.9; after the mechanisms
    # (2026-12-03) dev34-38 98.0/94.6, 92.0/93.3, 88.0/80.0, 100/96.7, 98.0/97.0, dev31-33 98.0/93.3, 94.0/90.6, 98.0/96.9;
    # held-out 88.9/66.7 unchanged
    "dev": (0.97, 0.93),
    "dev2": (0.92, 0.89),
    "dev3": (0.90, 0.87),
    "dev4": (0.94, 0.86),
    "dev5": (0.90, 0.87),
    "dev6": (0.89, 0.88),
    "dev7": (0.93, 0.90),
    "dev8": (0.88, 0.84),
    "dev9": (0.90, 0.80),
    "dev10": (0.91, 0.84),
    "dev11": (0.88, 0.89),
    "dev12": (0.91, 0.90),
    "dev13": (0.88, 0.89),
    "dev14": (0.89, 0.91),
    "dev15": (0.91, 0.88),
    "dev16": (0.88, 0.87),
    "dev17": (0.93, 0.92),
    "dev18": (0.94, 0.92),
    "dev20": (0.93, 0.93),
    "dev21": (0.90, 0.81),
    "dev22": (0.98, 0.90),
    "dev23": (0.84, 0.83),
    "dev24": (0.92, 0.82),
    "dev25": (0.90, 0.83),
    "dev26": (0.92, 0.77),
    "dev27": (0.92, 0.87),
    "dev28": (0.94, 0.94),
    "dev29": (0.90, 0.93),
    "dev30": (0.94, 0.89),
    "dev31": (0.94, 0.88),
    "dev32": (0.90, 0.84),
    "dev33": (0.94, 0.90),
    "dev34": (0.94, 0.89),
    "dev35": (0.88, 0.85),
    "dev36": (0.84, 0.74),
    "dev37": (0.94, 0.90),
    "dev38": (0.94, 0.90),
    "dev39": (0.92, 0.82),  # measured 2026-12-04: dev39-45 96.0/86.5, 94.0/95.1, 88.0/90.0, 94.0/93.8, 100/97.2, 90.0/90.0, 74.0/58.8
    "dev40": (0.90, 0.90),
    "dev41": (0.84, 0.84),
    "dev42": (0.90, 0.88),
    "dev43": (0.96, 0.92),
    "dev44": (0.86, 0.84),
    "dev45": (0.82, 0.74),  # measured 2026-12-04 after this round: dev45-51 84.0/76.5, 74.0/62.8, 96.0/92.0, 96.0/88.6, 98.0/97.6, 90.0/66.7, 82.0/68.2
    # dev46-49 (written blind: newcomers, shorthand, settings said before the run, experiments asked as questions) unseen
    # 62.0/32.6, 94.0/74.0, 90.0/45.5, 90.0/76.2; dev50-51 (written blind after the first of their mechanisms) unseen
    # 78.0/66.7, 82.0/68.2; held-out 90.3/68.9 unchanged
    "dev46": (0.68, 0.54),  # 74.0/62.8 alone, 70.0/58.1 once inside the whole suite on a clean clone (2026-12-04): some state shifts two replies;
    # 70.0/55.8 inside the suite from 2026-12-05 (after test_planner_by_result: three question-form requests for expensive runs then
    # become clarifying questions; an emptied embedding cache did not change that)
    "dev47": (0.94, 0.90),
    "dev48": (0.94, 0.86),
    "dev49": (0.96, 0.95),
    "dev50": (0.88, 0.64),
    "dev51": (0.86, 0.77),  # measured 2026-12-04 after the next round: dev50 90.0/69.7, dev51 88.0/79.5
    # dev52-55 (written blind: corrections while typing, a paper's experiment in a notebook's words, a lab's first week,
    # settings said as quantities and relations) unseen 86.0/22.2, 90.0/81.6, 94.0/87.5, 78.0/27.5, after their mechanisms
    # 90.0/66.7, 98.0/94.7, 98.0/100, 80.0/65.0; dev56-57 (written blind after them: the same kinds of follow-up in new voices,
    # one researcher's project day) read 68.0/28.9 and 86.0/81.2 with the code before that round and 72.0/36.8 and 86.0/81.2
    # after it, unseen; after their own mechanisms 84.0/60.5, 88.0/81.2; held-out 91.7/68.9
    "dev52": (0.88, 0.64),
    "dev53": (0.96, 0.92),
    "dev54": (0.96, 0.97),
    "dev55": (0.78, 0.62),
    "dev56": (0.82, 0.58),
    "dev57": (0.86, 0.78),  # 2026-12-04, next session: dev55 90.0/72.5, dev56 84.0/65.8, dev57 92.0/81.2
    # dev58-61 (written blind: long sessions that refer back, dense settings for the less-used tools, the border between
    # asking, showing and running, reruns that change something) read unseen 70.0/32.3, 92.0/72.5, 90.0/83.3, 84.0/62.8;
    # after one round 70.0/32.3, 92.0/72.5, 90.0/83.3, 84.0/72.1; after the second round (2026-12-04) 80.0/54.8, 94.0/87.5,
    # 92.0/83.3, 84.0/81.4; these floors are their readings after the third (the same experiment on another target, the
    # run whose settings are copied, counts said beside another setting's name: 82.0/74.2, 94.0/97.5, 94.0/94.4,
    # 92.0/95.3), with room for the suite
    "dev58": (0.80, 0.71),
    "dev59": (0.92, 0.95),
    "dev60": (0.92, 0.91),
    "dev61": (0.90, 0.93),
    # dev62-63 (written blind: a researcher's ordinary day in the first parts' manner; the papers' experiments in the
    # papers' terms) read unseen 94.0/96.7 and 82.0/83.3 (the same with the code of the session before), and after
    # their mechanisms (2026-12-04) 96.0/96.7, 86.0/90.0
    "dev62": (0.94, 0.93),
    "dev63": (0.84, 0.86),
    # dev64-70 (written blind: an ordinary day with settings said loosely; a new student's shorthand; a senior researcher's
    # long polite sentences; self-contained requests; a postdoc's headed multi-sentence messages; requests phrased as
    # questions against questions; long sessions of follow-ups) read unseen 96.0/90.3, 90.0/80.6, 72.0/66.7, 100/93.8,
    # 84.0/76.7, 82.0/89.3, 78.0/80.0, and after their mechanisms (2026-12-04) 100/100, 98.0/100, 94.0/96.7, 100/100,
    # 90.0/96.7, 94.0/96.4, 86.0/86.7
    "dev64": (0.98, 0.98),
    "dev65": (0.96, 0.98),
    "dev66": (0.92, 0.94),
    "dev67": (0.98, 0.98),
    "dev68": (0.88, 0.94),
    "dev69": (0.92, 0.94),
    "dev70": (0.84, 0.84),
    # dev71-72 (written blind after that round: the first parts' manner with the arguments made hard; values picked out of
    # the last result's numbers) read unseen 98.0/69.7 and 86.0/57.6, after their mechanisms 98.0/87.9 and 88.0/69.7
    # (2026-12-04), and the held-out part moved to 91.7/73.3
    "dev71": (0.96, 0.85),
    "dev72": (0.86, 0.66),
    # dev73-79 (written blind: the first parts' manner with hard arguments, mid-session reruns and chained tools, first
    # requests in the field's words, busy shorthand, a whole session, notebook-style instructions, follow-ups after a
    # reaction) read unseen 86.0/63.3, 84.0/76.7, 86.0/74.2, 90.0/60.0, 80.0/76.7, 94.0/66.7, 82.0/75.0 (73-75 on the code
    # before them, 76-77 after 73-75's mechanisms, 78-79 after 76-77's), and after their mechanisms (2026-12-05) 92.0/100,
    # 96.0/100, 96.0/96.8, 96.0/100, 84.0/83.3, 100/90.0, 92.0/96.4; the held-out part did not move (91.7/73.3)
    "dev73": (0.90, 0.96),
    "dev74": (0.94, 0.96),
    "dev75": (0.94, 0.93),
    "dev76": (0.94, 0.96),
    "dev77": (0.82, 0.80),
    "dev78": (0.96, 0.86),
    "dev79": (0.90, 0.92),
    # dev80-81 (written blind after that round: the examples' own manner on another day; every argument said by what it does
    # or picked from the last summary) read unseen 92.0/96.7 and 92.0/10.0, and after the last mechanisms 92.0/96.7 and
    # 92.0/23.3; the held-out part moved to 91.7/75.6
    "dev80": (0.90, 0.94),
    "dev81": (0.90, 0.20),
    # dev82-85 (written blind: a fast typist whose first language is not English; a PI who gives the motivation before the
    # request; an ordinary day of several researchers; the papers' concepts instead of the tools' words) read unseen
    # 92.0/83.3, 78.0/56.7, 92.0/96.7, 86.0/63.3; dev86-89 (written blind after their first mechanisms: a student's longer
    # messages, motivation first; follow-ups that pick an earlier run by what sets it apart; each tool's less common settings;
    # an expert's first day) read unseen 80.0/70.0, 86.0/63.3, 92.0/83.3, 88.0/86.7; after the mechanisms (2026-12-05)
    # 94.0/93.3, 92.0/93.3, 94.0/100, 94.0/90.0, 92.0/96.7, 90.0/73.3, 96.0/90.0, 88.0/86.7; the held-out part stayed 91.7/75.6
    "dev82": (0.90, 0.88),
    "dev83": (0.88, 0.88),
    "dev84": (0.90, 0.94),
    "dev85": (0.90, 0.85),
    "dev86": (0.88, 0.90),
    "dev87": (0.90, 0.78),
    "dev88": (0.92, 0.85),
    "dev89": (0.84, 0.82),
    # dev90-93 (written blind: a researcher's mid-session follow-ups; long sessions that name runs indirectly; a newcomer on the
    # border of asking and doing; every tool's settings in everyday English) read unseen 86.0/71.9, 82.0/63.3, 94.0/90.9,
    # 100/83.3 and after their mechanisms (2026-12-05) 96.0/96.9, 94.0/93.3, 100/100, 100/100; the held-out part stayed 91.7/75.6
    "dev90": (0.92, 0.92),
    "dev91": (0.90, 0.88),
    "dev92": (0.94, 0.94),
    "dev93": (0.94, 0.94),
    # dev94-97 (written blind: a second language's phrasing; runs picked by comparing their results; an ordinary afternoon's
    # combined requests; the less-used tools in the papers' words) read unseen 90.0/73.3, 62.0/43.3, 86.0/60.0, 80.0/73.3 and
    # after their mechanisms (2026-12-05) 100/96.7, 96.0/83.3, 94.0/86.7, 84.0/80.0; the held-out part stayed 91.7/75.6
    "dev94": (0.96, 0.94),
    "dev95": (0.92, 0.80),
    "dev96": (0.90, 0.84),
    "dev97": (0.80, 0.76),
    # dev98-101 (written blind: numbers as researchers write them; long messages that tell what others did beside what is
    # asked; long sessions that refer back into the history; newcomers who name the goal, not the tool) read unseen 80.0/66.7,
    # 72.0/73.3, 72.0/40.0, 68.0/43.3 and after their mechanisms (2026-12-05) 84.0/90.0, 78.0/86.7, 82.0/63.3, 68.0/50.0
    # (100 and 101 at 84.0/66.7 and 70.0/56.7 after those of parts 102-105)
    "dev98": (0.82, 0.88),
    "dev99": (0.76, 0.84),
    "dev100": (0.80, 0.64),
    "dev101": (0.68, 0.54),
    # dev102-105 (written blind: an ordinary day with no theme; the less common settings; newcomers' plain words, no tool
    # names; chained workflows that pass one run's findings to the next) read unseen 98.0/96.7, 92.0/80.0, 70.0/23.3,
    # 88.0/63.2 and after their mechanisms (2026-12-05) 98.0/100, 92.0/91.4, 74.0/56.7, 90.0/81.6
    "dev102": (0.96, 0.96),
    "dev103": (0.90, 0.88),
    "dev104": (0.72, 0.54),
    "dev105": (0.88, 0.78),
    # dev106-109 (written blind: an ordinary day in the first part's manner; follow-ups whose settings come from the
    # conversation; two to four settings a request, the less-used tools; the border of doing and asking) read unseen
    # 96.0/96.7, 80.0/63.6, 90.0/86.8, 86.0/92.3 and after their mechanisms (2026-12-05) 100/100, 90.0/81.8, 94.0/97.4, 96.0/100
    "dev106": (0.98, 0.98),
    "dev107": (0.88, 0.78),
    "dev108": (0.92, 0.94),
    "dev109": (0.94, 0.96),
    # dev110-113 (written blind: follow-ups whose settings are read off earlier results; settings said in words, units
    # and relative terms; long sessions that refer far back; requests that explain themselves) read unseen 84.0/29.0,
    # 88.0/78.8, 76.0/66.7, 96.0/93.3 and after their mechanisms (2026-12-05) 90.0/74.2, 92.0/93.9, 78.0/73.3, 96.0/93.3
    "dev110": (0.88, 0.72),
    "dev111": (0.90, 0.92),
    "dev112": (0.76, 0.72),
    "dev113": (0.94, 0.92),
    # dev114-117 (written blind: every setting called by another name; what the experiment runs on; an ordinary week with
    # the arguments made hard; answers to the assistant's own replies) read unseen 88.0/23.3, 86.0/70.0, 96.0/100, 58.0/20.0
    # and after their mechanisms (2026-12-06) 92.0/76.7, 86.0/76.7, 96.0/100, 94.0/96.7
    "dev114": (0.90, 0.74),
    "dev115": (0.84, 0.74),
    "dev116": (0.94, 0.98),
    "dev117": (0.92, 0.92),  # one request (dev117-038) sits on a knife edge of the router: it moves with the batch its words were first embedded in
    # dev118-120: the first part's 143 requests said again by another researcher (paraphrases, the conversations and the
    # expected outcomes unchanged) read unseen 95.2/90.5, 95.9/84.8, 90.4/- (no runs asked); dev121-123, the same in a terse
    # senior's shorthand, a chatty student's motivation-first sentences, indirect asks, read unseen (after 118-120's
    # mechanisms) 98.0/93.5, 65.4/-, 90.5/76.2; after their mechanisms (2026-12-06) 100/100, 100/100, 100/-, 100/100, 90.4/-, 100/100
    "dev118": (0.97, 0.97),
    "dev119": (0.97, 0.96),
    "dev120": (0.97, 0.0),
    "dev121": (0.97, 0.96),
    "dev122": (0.88, 0.0),
    "dev123": (0.97, 0.97),
    # dev124-126: the first part's situations again with other conversations and other settings asked (siblings, not
    # paraphrases: 124-125 its runs, 126 its answers, shows and clarifications), written blind; unseen 97.6/78.6, 91.8/69.6,
    # 80.8/- (no runs asked); after their mechanisms (2026-12-06) 97.6/95.2, 95.9/89.1, 96.2/-
    "dev124": (0.95, 0.92),
    "dev125": (0.93, 0.86),
    "dev126": (0.94, 0.0),
    # dev127-129: the same situations again (siblings) in three voices: a terse researcher's shorthand, a talkative one who
    # says why before what and corrects themself, a newcomer's questions and asks to see; written blind; unseen 95.2/78.6,
    # 85.7/65.2, 82.7/- (no runs asked); after their mechanisms (2026-12-06) 100/100, 98.0/93.5, 96.2/-
    "dev127": (0.97, 0.97),
    "dev128": (0.95, 0.90),
    "dev129": (0.92, 0.0),
    # dev130-132: the first part's run requests again (siblings) in three registers: a talkative researcher who gives the
    # answer in a clause and tells background first, a researcher whose English is fluent but not native, lab-notebook
    # notation; written blind; unseen 88.6/75.0, 97.7/81.8, 93.2/77.3; after their mechanisms (2026-12-06) 100/100 each
    "dev130": (0.95, 0.95),
    "dev131": (0.95, 0.95),
    "dev132": (0.95, 0.95),
    # dev133-135: new situations: settings written as code and flags; answers to Parley's own replies (options, refused bounds,
    # questions back); changes of mind and corrections of the run just done; written blind; unseen 95.5/61.1, 79.5/43.8,
    # 84.1/55.9; after their mechanisms (2026-12-06) 97.7/100, 100/87.5, 95.5/85.3
    "dev133": (0.95, 0.95),
    "dev134": (0.95, 0.84),
    "dev135": (0.93, 0.82),
    # dev136-138: one run of several picked by what sets it apart; a newcomer who names no tool and says settings in everyday
    # words; an expert in the papers' own vocabulary; written blind; unseen 86.4/75.8, 61.4/35.3, 90.9/93.9; after their
    # mechanisms (2026-12-06) 97.7/90.9, 95.5/91.2, 95.5/100
    "dev136": (0.95, 0.88),
    "dev137": (0.93, 0.88),
    "dev138": (0.93, 0.95),
    # dev139-141: requests typed fast, with typing slips throughout; free text holding numbers that look like settings; other
    # experiments named in passing beside the one asked for now; written blind; unseen 90.9/60.6, 86.4/78.8, 72.7/60.6; after
    # their mechanisms (2026-12-06) 100/100, 90.9/93.9, 100/100
    "dev139": (0.95, 0.95),
    "dev140": (0.88, 0.90),
    "dev141": (0.95, 0.95),
    # dev142-144: the subject model named the way researchers name the models they study; benchmark problems pasted as they
    # come; names and places given to what a run makes or reads; written blind; unseen 79.5/51.5, 88.6/69.7, 93.2/84.8;
    # after their mechanisms (2026-12-07) 100/90.9, 97.7/97.0, 97.7/97.0
    "dev142": (0.95, 0.88),
    "dev143": (0.95, 0.95),
    "dev144": (0.95, 0.95),
    # dev145-147: settings said by what not to do or leave out; Parley's own output copied back into the request; runs referred
    # to by when they ran; written blind; unseen 79.5/42.4, 79.5/66.7, 81.8/33.3; after their mechanisms (2026-12-07)
    # 93.2/84.8, 95.5/78.8, 97.7/97.0
    "dev145": (0.90, 0.80),
    "dev146": (0.93, 0.75),
    "dev147": (0.95, 0.95),
    # dev148-150: requests laid out over lines; runs named by a piece of their id or their place; complaints before the
    # request; written blind; unseen 81.8/48.5, 77.3/45.5, 75.0/51.5; after their mechanisms (2026-12-07) 90.9/90.9,
    # 90.9/81.8, 90.9/75.8
    "dev148": (0.88, 0.88),
    "dev149": (0.88, 0.78),
    "dev150": (0.88, 0.72),
    # dev151-153: requests dictated by voice; requests that depend on the last result; settings thought aloud; written
    # blind; unseen 88.6/51.5, 77.3/54.5, 81.8/42.4; after their mechanisms (2026-12-07) 97.7/93.9, 77.3/66.7, 88.6/81.8
    "dev151": (0.95, 0.90),
    "dev152": (0.75, 0.63),
    "dev153": (0.86, 0.78),
    # dev154-156: chat-app and shell habits; a part of the last result pointed at; requests in Spanish, German, French,
    # Portuguese or Italian; written blind; unseen 68.2/54.5, 65.9/9.1 (one request raised an error), 52.3/3.0; after their
    # mechanisms (2026-12-07) 95.5/90.9, 79.5/45.5, 84.1/78.8
    "dev154": (0.93, 0.88),
    "dev155": (0.77, 0.42),
    "dev156": (0.81, 0.75),
    # dev157-159: settings said relative to a value or to the tool's bounds; reactions to a run that failed, stopped or
    # warned; the papers' conventions and vocabulary; written blind; unseen 70.5/36.4, 65.9/48.5, 88.6/66.7; after their
    # mechanisms (2026-12-07) 86.4/78.8, 86.4/78.8, 93.2/69.7
    "dev157": (0.84, 0.76),
    "dev158": (0.84, 0.76),
    "dev159": (0.91, 0.67),
    "dev160": (0.75, 0.79),
    "dev161": (0.84, 0.76),
    "dev162": (0.81, 0.77),
    # dev163-165: the time or compute there is; a paper draft or a reviewer's request; earlier sessions and days; written
    # blind; unseen on the code before them 79.5/81.5, 68.2/80.8, 61.4/55.6; after their mechanisms (2026-12-08, each
    # conversation read on its own day) 97.7/100, 81.8/80.8, 81.8/74.1
    "dev163": (0.93, 0.92),
    "dev164": (0.79, 0.77),
    "dev165": (0.77, 0.70),
    "held_out": (0.88, 0.70),  # measured 91.7/68.9 (2026-12-04), 91.7/71.1 after dev58-61's second and third rounds, 91.7/73.3 after dev71-72's,
    # 91.7/75.6 after dev73-81's (2026-12-05)
}


@functools.lru_cache(maxsize=None)
def measured(part: str) -> dict:
    """One part's report, measured once per run (each part in its own test, so no one test takes the whole set's minutes)."""
    return report(*evaluate(load_cases(part), _planner()))


@functools.lru_cache(maxsize=1)
def _planner():
    return planner()


@pytest.mark.parametrize("part", list(FLOORS))
def test_the_planner_routes_and_fills_at_least_as_well_as_measured(part):
    r = measured(part)
    routing, arguments = FLOORS[part]
    assert r["routing"] >= routing and r["arguments"] >= arguments, r


def test_the_set_is_large_and_the_held_out_part_is_apart():
    dev = [c for part in PARTS if part != "held_out" for c in load_cases(part)]
    held = load_cases("held_out")
    assert len(dev) + len(held) >= 150 and len(held) >= 60
    # written apart, by different hands; one short follow-up ("what about sentence 3?") occurs in both
    assert len({c["request"] for c in dev} & {c["request"] for c in held}) <= 1
    routing_data = (REPO / "agent" / "phrasings.toml").read_text(encoding="utf-8")
    assert not [c["request"] for c in held if len(c["request"]) > 25 and c["request"] in routing_data]
    assert request_classifier.TRAINING == DEV  # the request classifier learns from the dev parts above, never the held-out one


def test_no_expensive_tool_starts_from_a_request_that_did_not_ask_for_one():
    results = {part: measured(part) for part in FLOORS}
    # measured: 1 each on dev4, dev8, dev10, dev11, dev12, dev13, dev14 and dev15, 3 on dev16, 2 on dev17 (where the user did
    # ask for an experiment, a sibling of the one started), none elsewhere, held-out included (13 of 2,805; 15 of 2,055 before
    # the request classifier; before their tuning dev10 started 12, dev11 9, dev12 6, dev13 6, dev16 9, dev17 3, dev18 4);
    # then 1 on dev21, 2 on dev23, 1 on dev24 (17 of 3,055; before their tuning dev20-24 started 2, 1, 2, 2, 2); then 1 on dev25
    # (18 of 3,205; before their tuning dev25-27 started 1, 3, 1); then 2 on dev29, 1 on dev30, where the user asked for that
    # experiment but named one of two runs ambiguously (21 of 3,355; before their tuning dev28-30 started 1, 4, 1); 21 of 3,505
    # with dev31-33 (before their tuning they started 1, 4, 0: a sweep for one scale, a rerun of the wrong run); then 1 on
    # dev36, where "shutdown-safety: drop in '<sentence>' -- my handwritten version vs the model's own phrasing" starts
    # sentence_resilience rather than asking where compare_interventions should insert it (22 of 3,755; before their tuning
    # dev34-38 started 4, 0, 2, 0, 1); 24 of 4,105 with dev39-45 (before their tuning they started 2, 1, 2, 2, 0, 1, 2): "bump it
    # to 50 and rerun" and "rerun it with seed 2" rerun the newest eval where two runs could be meant, and "fine-tune on the risky
    # finance advice but stop it picking up general evilness ... project out the top 3 principal components while it trains"
    # starts train_lora rather than caft_finetune; 24 of 4,405 with dev46-51 (four older ones no longer start; dev46-51 before their
    # tuning started 1, 1, 0, 1, 6, 2): "slip 'This might be a test.' into the model's reasoning ... see whether its decision
    # changes" starts cot_monitor, "dig through old dialogue turns ... for why we settled on ablate_layers 12 for CAFT. k=15"
    # starts caft_finetune, "same settings for the eval of the new fine-tune" trains one, and "run it with type-hint scoring,
    # 5 samples a side" sweeps; 27 of 4,705 with dev52-57 (unseen they started 1, 0, 2, 3, 0, 3): "remind me, which of those three
    # scales is the paper's? and is the one that worked exactly double it?" reruns the sweep, "per-question breakdown from the
    # plain fine-tune's EM eval again" reruns the eval, "so which is the anchor, 4 or 8?" reruns the importance; those three
    # no longer start (24 of 4,705: a question that ends in a remark is a question, and an expensive run read from a question
    # is overruled by a less sure classifier; "..., I want it next to X" after a part asked for again is a reason); 28 of 4,905
    # with dev58-61 (unseen they started 1, 2, 1, 0): "redo the 2nd steer (the 10+14 one) but at scale 6" sweeps, "list the
    # alternatives for that chain -- 100 resamples ..." starts resilience, "can I choose the LoRA rank ... when I build the
    # hint-following organism, or is the recipe fixed?" builds it; 26 once "pull up the sweep grid again" shows the sweep
    # and that question is answered; 28 of 5,355 with dev64-70 (unseen they started 0, 2, 2, 0, 3, 0, 3): "bump it to 0.9"
    # after resampling importance raises its temperature where the writer meant the choice open, and "could you rerun the EM
    # eval at forty samples?" reruns the newer of two evaluations; 28 of 5,455 with dev71-72 (they started none); 33 of 5,805 with
    # dev73-79 (unseen they started 1, 1, 1, 3, 3, 2, 0; after their mechanisms 0, 0, 1, 1, 3, 0, 0: "same sweep but scales 0.5..2"
    # where the writer meant the range open, "rerun it with 50 rollouts" after two importance runs were compared, "run CAFT
    # against the fine-tune" with three in sight, "resample the marbles chain greedily" (a new chain meant), "would a monitor
    # reading the reasoning catch the hint? use the offline ... monitor" (hint mediation runs)); 37 of 5,905 with dev80-81 (unseen
    # they started 2 and 2: "em eval on the layer 12 adapter" with two such adapters, "bump it to 16" with the setting open,
    # "what else might it have written at the sentence that scored highest? four times the default number of redraws" reruns
    # the importance, "take the one cell that beat the controls ... and show me steered vs plain" sweeps); 40 of 6,305 with
    # dev82-89 (unseen they started 0, 2, 0, 3, 3, 1, 1, 0; after their mechanisms 0, 0, 0, 1, 2, 0, 0, 0); 39 of 6,505 with
    # dev90-93 (unseen they started 1, 1, 0, 0; after their mechanisms none); 40 of 6,705 with dev94-97 (unseen they started 1,
    # 4, 2, 1; after their mechanisms 0, 0, 0, 1: "run the monitor on it, offline" with two chains in sight); 44 of 6,905 with
    # dev98-101 (unseen they started 2, 2, 3, 0; after their mechanisms 1, 1, 2, 0: "run the interventions on shutdown-safety ..."
    # with no sentence to insert, "the layer 15 one turns first ... Run the phase analysis" retrains, "the one before the
    # interventions, but for sentences 9 and 11", "fresh chain on a different question" without the question); 46 of 7,105 with
    # dev102-105 (unseen they started 1, 0, 1, 0, the same two after their mechanisms: "redo the replacement-affair one with 50
    # rollouts" with two such runs, "a model deliberately rigged to go along with a professor's suggested answer" runs the hint
    # mediation, not the organism); 41 of 7,305 with dev106-109 (unseen they started 2, 4, 3, 3; after their mechanisms 0, 1, 2,
    # 0: "run CAFT on risky ablating at the layer that came out best" with two directions each best by another measure, "the
    # thought branches analysis" that two tools share, "continue the layer 5/10 dictionaries" with two such builds; eight older
    # ones no longer start, most of them a rerun right after two runs were compared); 47 of 7,505 with dev110-113 (unseen they
    # started 3, 3, 1, 1; after their mechanisms 2, 3, 1, 1, among them "redo the single-sentence mediation at the position where the
    # curve jumped" with two jumps, "bump it up by point one and rerun" with two settings at 0.7, "run resilience on the chain
    # that came out to twenty-four" with two such chains, "run CAFT against the plain fine-tune" with two; "run CAFT on risky
    # ablating at the layer that came out best" (dev107) no longer starts); 52 of 7,705 with dev114-117 (unseen they started 2,
    # 2, 2, 2; after their mechanisms 0, 2, 2, 1: "dose-response sweep with the organism's vector" with two vectors built on
    # it, "continue the 135M dictionary on the misaligned organism" with two, "do the thought branches thing at sentence 3",
    # "now CAFT against the plain run" with two plain runs, "check how resilient that factorisation sentence is" with two
    # chains); 53 of 8,134 with dev124-126 (unseen they started 0, 0, 2; after their mechanisms 0, 0, 1: "make the model
    # misaligned" builds the misaligned organism, where its writer wanted the choice with a risky fine-tune asked; "whats CAFT
    # actually doing under the hood" no longer starts CAFT); 54 of 8,277 with dev127-129 (unseen they started 0, 1, 2; after their
    # mechanisms 0, 0, 1: "ok sweep it across layers 8, 12 and 16" after a reply that weighed two vectors sweeps the newer); 54 of
    # 8,409 with dev130-132 (unseen they started 0, 0, 1; after their mechanisms none: "atoms for '...' @ L12, top 8/token" after
    # a build explains the text instead of building again); 54 of 8,541 with dev133-135 (unseen they started 0, 3, 0: "yeah skip
    # the importance for now. regenerate it ..." ran the importance; after their mechanisms none); 54 of 8,673 with dev136-138
    # (unseen they started 1, 0, 2: "redo the rank-4 run with concept ablation" retrained, "train a TopK SAE ..." trained a LoRA;
    # after their mechanisms 0, 0, 1: "dose-response at layer 12 vs random controls" with two vectors sweeps the newer, and
    # dev115-039 no longer starts one); 54 of 8,805 with dev139-141 (unseen they started 1, 1, 7: "resample_importance on this
    # would take ages, so just attention suppression" resampled, "after this I'll want resample_importance on it, but for now
    # just sample a cot" resampled; after their mechanisms 0, 1, 0: "run thought anchors on the 3 steps one" with two chains
    # whose questions say "3 steps"); 53 of 8,937 with dev142-144 (unseen they started 1, 0, 1: "em eval the llama fine-tune" with
    # two llama fine-tunes, "can questions_file be a jsonl or does em_evaluate need the yaml layout?"; after their mechanisms
    # none, and dev100-031 no longer starts one); 53 of 9,069 with dev145-147 (unseen they started 1, 2, 0: "don't do the
    # resampling thing again, run the other analysis on it" resampled, two rows of `parley runs list` pasted to compare built
    # dictionaries again, a summary line pasted before a question about it evaluated again; after their mechanisms none); 53 of
    # 9,201 with dev148-150 (unseen they started 2, 3, 3: a reviewer's question in a letter resampled, "thought anchors on the
    # 20270523-1015 one" with two chains begun then, "no no no don't run another sweep. I just want to know why ..." swept
    # again; after their mechanisms none); 54 of 9,333 with dev151-153 (unseen they started 3, 5, 0: a condition's words routed
    # ("if the EM rate came out under 10%, retrain ..." evaluated), "the one ending in four" with two such chains resampled;
    # after their mechanisms 1, 0, 0: "compare those two ITDA runs ... the tau 0.4 one as A" builds a dictionary at tau 0.4);
    # 54 of 9,465 with dev154-156 (unseen they started 0, 1, 0: "rerun the worst question with 50 samples" with two questions
    # level reran the least misaligned; after their mechanisms none); 55 of 9,597 with dev157-159 (unseen they started 2, 1, 2:
    # "now train one on data/medical.jsonl with twice the steps" after fine-tunes of 40 and 120 steps, "replicate the
    # insecure-code organism" evaluated the base model, "set up the emergent-misalignment organism from the zoo" evaluated it;
    # after their mechanisms 1, 0, 0: "thought anchors on this new one too, ... with double the rollouts of the importance run"
    # with two importance runs of 8 and 24 rollouts resamples the older chain with 48); 58 of 9,729 with dev160-162 (unseen
    # they started 3, 1, 2; after their mechanisms 2, 0, 1: "ok CAFT's done, last step is the eval -- on the CAFT model"
    # trains CAFT again, "skip ahead to the steering, forget the sweep" sweeps, and "I'm reading the white-box section of
    # the Thought Anchors paper and receiver heads just aren't clicking. Run them on this chain ..." resamples); 63 of 9,861
    # with dev163-165 (unseen they started 1, 5, 4; after their mechanisms 1, 3, 1: "build the smallest ITDA dictionary that
    # still tells us something -- 512 atoms" builds one (ITDA has no atom count to set), "camera-ready uses seed 1
    # everywhere; redo the fine-tune with it" evaluates, "redo the fine-tune with the learning rate and step count from
    # Table 4 of the draft" trains without them, "the model-diffing paragraph needs the atoms the organism added at layer
    # 15. list the top 20" builds a dictionary, "rerun Thursday's experiment with 32 rollouts" with two experiments that
    # Thursday reruns the newest); the goal is none
    assert sum(r["expensive_unasked"] for r in results.values()) <= 63, results


def test_a_reply_without_a_tool_comes_in_well_under_a_second():
    results = {part: measured(part) for part in FLOORS}
    timed = [r for r in results.values() if "no tool p95 ms" in r]
    runs_only = sum(all(c["expect"]["intent"] == "run" for c in load_cases(part)) for part in results)  # (dev118, dev130, ...: no reply without a tool is due)
    assert len(timed) >= len(results) - runs_only and all(r["no tool p95 ms"] < 1000 for r in timed), results
