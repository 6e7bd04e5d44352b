"""What kind of turn a message is, read from its words: a question to answer, a rerun,
something about the user, or a request to route to a tool (a run asked to be seen is
read in `agent.show`).

Plain patterns, so the offline planner answers in milliseconds and says nothing it
cannot back; the order of the checks is in `agent.offline.OfflinePlanner.plan`.
"""

from __future__ import annotations

import re

from agent.phrases import asked_part
from agent.wording import outside_quotes
from tools.cards import find_terms

# "what does counterfactual importance mean", "what is a receiver head", "define KL"
DEFINE = re.compile(
    r"\bwhat\s+(?:does|do|is|are)\s+(?P<a>.+?)\s+(?:(?:actually|really|even|supposed to|meant to|trying to)\s+)+(?:mean|stand for|refer to|measure|capture|quantify|"
    r"tell (?:me|us)|show|do)\b|"
    r"\bwhat\s+(?:does|do)\s+(?P<c>.+?)\s+(?:(?:actually|really|even)\s+)?(?:mean|stand for|refer to|measure|capture|quantify|control|set|affect|change|do)\b|"
    r"\b(?:whats|what(?:'s|’s|\s+is|\s+are|\s+means?)|define|definition of|meaning of|explain what)\s+(?:exactly\s+)?(?:an?\s+|the\s+(?:term\s+)?)?(?P<b>[^?]+?)"
    r"(?:\s+(?:is|are|means|mean))?\s*(?:\?|$|,)", re.I)
WHY = re.compile(r"^\s*(?:ok(?:ay)?[,.]?\s+|so\s+|but\s+|and\s+|hm+[,.]?\s+)?(?:why|how come)\b|\bwhy (?:is|are|did|does|do|would|was)\b|"
                 r"\bexplain (?:how|why) (?:you|it|that|this|the)\b|\bhow (?:did )?you (?:reach|reached|got|get|arrived? at|concluded?|decided?)\b|"
                 r"(?:[,;:]|\s[—–-]+)\s*(?:but\s+)?(?:why|how come)\s*\?+(?:\s|$)|^\s*(?:which|what|who)\b[^?]*\bthen\s*\?+\s*$", re.I)
# "the probe kept only 3, why?", "which sentence is doing the heavy lifting then?"
DIFFERENCE = re.compile(r"\b(?:(?:difference|diff) (?:between|btw|b/w)|different from|differ(?:s)? from|compared? (?:to|with)|versus|relates? to|relationship between|"
                        r"maps? (?:on)?to|corresponds? to|translates? (?:in)?to)\b|(?<![\w-])vs\.?(?![\w-])|\bthat (?:the )?(?:ordinary|plain|regular|usual|normal) [\w+ -]{2,40}?"
                        r"(?:doesn'?t|does not|can'?t|cannot|misses|won'?t)\b|"
                        r"\bhow do (?:they|these|those|the two) compare\b|\bhow (?:do|does|did) [\w\s-]{3,60}? (?:and|vs\.?|versus) [\w\s-]{3,60}? differ\b|\bwhich (?:one |of (?:them|the two|these) )?(?:is |'s )?(?:cheaper|faster|slower|quicker|more expensive|costlier)\b", re.I)
ADVICE = re.compile(r"^\s*(?:so\s+|quick q:?\s+)?(?:should|shall) (?:i|we)\b|\benough\b[^?]*\?|\bor do i need\b|\bdo (?:i|we) need (?:an?|to|the)\b[^?]*\?|\bis (?:\d+|that|this) (?:\w+ )?enough\b|\bhow many \w+ (?:do|should|would) (?:i|we)\b|"
                    r"\bwhat would .{0,60}\bcost\b|\bhow (?:expensive|costly|slow|long) (?:is|would|will)\b|\bhow many \w+ (?:would|will|does|do) [\w\s-]{1,40}?\b(?:need|take|cost|use|burn|eat|spend)\b|"
                    r"\b(?:would|will|is|does|did)\b[^?.!]{0,60}\b(?:\d+ times |much |a lot |any )?(?:slower|faster|longer|quicker|cheaper|costlier|more expensive)\b[^?]*\?|\bsave (?:much|any|a lot of|real) (?:time|compute)\b[^?]*\?|\bhow long (?:would|will|does|did)\b|\bcan i trust\b|"
                    r"\bhow (?:would|could|can|do|should) (?:i|we) (?:tighten|narrow|shrink)\b|^\s*if (?:i|we)\b[^?]*\?\s*$|"
                    r"\bwhat [\w-]+(?: [\w-]+)? makes sense\b|\bwhat does (?:the )?[\w-]+ (?:control|govern|set)\b|\bwhat would an? (?:much )?(?:bigger|smaller|larger|higher|lower) [\w-]+ (?:change|do)\b|\bshould (?:[\w-]+ ){1,2}(?:stay|remain|be left) (?:on|off)\b", re.I)
ABOUT_RESULT = re.compile(r"(?:^|[.!]\s+)\s*(?:interesting|hm+|ok(?:ay)?|right|wait|huh|oh)?[,.!]?\s*so\b[^?]*\?+\s*$|"
                          r"^\s*in (?:that|this|the) (?:matrix|table|plot|heatmap|run|result|chart)\b[^?]*\?|"
                          r"\b(?:according to|based on|going by) (?:that|this|those|these|the (?:run|results?|probe|table|numbers))\b", re.I)
# Asked of a run done, in the past: "... given the intervals we got?", "did Tuesday's sweep actually beat the controls?", "I forget
# what the CAFT run's EM rate was, remind me": its result answers, however clearly the words name the tool
DONE = re.compile(r"\bgiven (?:the|our|its|those|these) (?:[\w-]+ ){0,2}(?:intervals?|numbers|results?|scores?|rates?|curves?|controls?) (?:we|i|you|it) (?:got|saw|found|have)\b[^.!]*\?|"
                  r"(?:^|[:.!?]\s+)(?:(?!when|where|how|why|which|what|at)\w+[,:]?\s+)?did (?:the|that|this|those|these|our|its|(?:[\w-]+day|yesterday|last week)'s) (?:[\w-]+\s+){1,5}?(?:actually |really |even )?"
                  r"(?:beat|agree|disagree|match|flip|change|survive|hold up|pass|exceed|reach|clear|outperform)\b[^?]*\?|"
                  r"\bi (?:forget|forgot|don'?t remember|can'?t remember|lost track of) (?:what|which|whether|if)\b|\bremind me\W*$|"
                  r"\bremind me (?:what|which)\b[^?.!]*\b(?:we|i|you) (?:used|ran|set|gave|picked|chose)\b", re.I)
# What to cite for a method: "what do I cite for counterfactual importance?", "which paper is the ITDA one from?"
CITE = re.compile(r"\b(?:what|which (?:paper|reference)) (?:do|should|would|can) (?:i|we) cite\b|\bcit(?:e|ation) for\b|\b(?:which|what) paper (?:is|does|did|introduced|proposed|describes?)\b|"
                  r"\b(?:bibtex|arxiv (?:id|link|number))\b|\bthe (?:original )?paper (?:behind|for|that introduced)\b[^?]*\?", re.I)
CONFIRM = re.compile(r"(?:^|[.!]\s+)\s*(?:interesting|hm+|ok(?:ay)?|right|wait|huh|oh)?[,.!]?\s*so\s+(?!which|what|how|where|when|who|can|could|let)"
                     r"[^?]*\?|\b(?:according to|based on|going by) (?:that|this|those|these)\b", re.I)
JUDGED = re.compile(r"\b(?:is|are|was|were)\b(?:[^?.!]|\.\d){0,60}\b(?:a lot|any good|good at all|trustworthy|meaningful|significant|normal|expected|high|low|plausible|believable|realistic|suspicious|fishy|enough|too (?:few|small|noisy|wide|many))\b"
                    r"[^.!]{0,100}\?", re.I)  # "is it normal for adapters to turn at different times, or is something off?"
TELL_ME = re.compile(r"\b(?:could|can|would) you (?:please )?tell (?:me|us) (?:whether|if)\b[^?]*\?", re.I)  # "could you please tell me whether it beats the controls?"
OPINION = re.compile(
    # a judgement asked about, or a reaction to, a result: "is a kurtosis of 9 a lot?", "hm, weird. ...", "surprising given the paper"
    JUDGED.pattern + "|"
    r"(?:,|--|—)\s*(?:right|correct|yes|no|true|isn'?t it|doesn'?t it|don'?t they|wouldn'?t it|am i right)\s*\?\s*$|"  # "... at all, right?": a belief checked
    r"\bcan (?:i|we|the (?:caption|abstract|paper|draft|text|title|footnote|sentence|figure|rebuttal)) (?:just |actually |really |safely |honestly |fairly )?(?:claim|say|conclude|call (?:it|that|this)|argue|read)\b|"
    r"\bis (?:that|this|the|our) (?:wording|phrasing|claim|sentence|caption|framing)\b[^?]{0,30}\?|" + TELL_ME.pattern + "|"
    r"\b(?:what|which way|where) does (?:the|that|this|it)\b[^?]{0,30}\bpoints?\b|\bwhich side is\b|"
    r"^(?![^?]*\b(?:run|try|do|redo|rerun|again|now|use|check|show|split|steer|sweep|build|train|fix|bump|make|can you|could you|"
    r"give|set|drop|add|raise|lower|increase|decrease|halve|double|more|fewer|instead|same|flip|swap|negate|invert|reverse|push|ablate|"
    r"probe|monitor|compare|retrain|rebuild|regenerate|resample|wanted|meant)\b)"
    r"(?:\s*(?:hm+|huh|weird|odd|strange|interesting|wow)\b[,.!]*\s+[^?]*$|.*\b(?:that'?s|this is|it'?s) (?:surprising|weird|odd|strange|unexpected)\b)|\bthoughts\?|\bis (?:something|anything|it) broken\b|\bshould i (?:believe|trust|worry)\b|\bsuspicious\b|\bfluke\b|"
    r"\bwhat would (?:you|a real|an?|the)\b[^?]*\b(?:do|look like|expect|mean)\b|\b(?:isn'?t|doesn'?t|shouldn'?t|wouldn'?t) (?:it|that|this)\b|"
    r"\bwhat does (?:an? |the )?[\w\s.-]{0,40}\btell (?:me|us)\b|\bwhy not\b|\bhow (?:can|could) (?:that|this|it) be\b|"
    r"\bhow (?:is|are|was|were|come)\b[^?.]{0,60}\b(?:but|yet|while)\b[^?]*\?|"  # "how is aligned 61 but EM only 12%?"
    r"\b(?:even )?(?:expressive|big|strong|long|large) enough\b|\bnothing\?{2,}|\?\?|"
    r"\bdoes (?:that|this|it) mean\b|\bwhat does (?:that|this|it) (?:say|tell)\b|\b(?:from|in) the paper\?|\bor not(?: really)?\?|"
    r"\bis it (?:mixing|confusing|just|simply|really|basically)\b|\bstill make\b|\busually\b[^?]*\?|\bthe one the\b[^?]*\?|"
    r"\bwhat would you (?:run|do|try|check)\b|\bcheapest way\b|\bwhich \w+(?: \w+)? should i (?:pick|use|choose)\b|"
    r"\bwhat does [\w=+-]+ (?:actually )?do\b|\bmeaningful\b[^?]*\?|\bgive up\b[^?]*\?|\blocked in\?|"
    r"\b(?:the same way|same as)\b[^?]*\?|\btoo (?:much|strong|big|high|low|small|weak)\?|\bwhat makes (?:a|an|the)\b|"
    r"\bcan i (?:claim|say|conclude|trust|believe)\b|\bwhat (?:should|can|do) i conclude\b|\bdid (?:they|it|those|these)\b[^?]*\?|"
    r"\bis (?:a |an |the )?[\w-]+ (?:of )?-?[\d.]+ (?:high|low|big|small|good|bad|large)\b|\bare (?:the )?(?:rows|columns)\b|"
    r"\bis [\w-]+ -?\d[\d.]*\b[^?]{0,40}\b(?:good|bad|high|low|typical)\?|\bwhat(?: would be|'s| is) typical\b|"
    r"\bcan i call (?:that|this|it)\b|\bthe [\w\s-]{0,30}\bpaper (?:use|used|do|did|report)\b|"
    # "so did caft work?", "did the ablation beat random or not", "does n=9 mean anything?", "are those counted as wrong?"
    r"\bdid (?:the |that |this |it |my |our )?[\w-]+(?: [\w-]+)? (?:work|help|beat|hurt|matter|do anything|change anything)\b|"
    r"\bmean anything\b|\bor is (?:that|this|it) (?:just\b|noise\b|chance\b)|"
    r"^\s*which (?:one )?of (?:the|those|these|my|our) (?:two |three |\d+ )?[\w-]+ (?:had|has|got|gave|showed|shows|was|is|came out)\b[^?]*\?\s*$|"
    r"\bis (?:that|this|it) (?:overfitting|underfitting|overfit)\b|"
    r"^\s*(?:is|are|was|were)\b[^.!?]{0,60}\b(?:a )?(?:big|small|large|real|strong|weak|meaningful) (?:effect|difference|change|shift|gap|drop)\b|\b(?:are|is|were|was) (?:those|these|they|that|it) (?:counted|treated|included|excluded|dropped|scored)\b", re.I)
META = re.compile(r"\bparley\b.*\?|\bwhich (?:of (?:these|the|your) )?tools\b|\b(?:built-?in|shipped) (?:corpus|data|scenarios)\b[^?]*\?|\b(?:gpu|cpu|cuda|the hub|hugging ?face|download|internet|offline mode|api key)\b.*\?|"
                  r"\bwhich (?:scenarios|tools|models|datasets|corpora|(?:model )?organisms)\b|\bwhat (?:scenarios|tools|datasets)\b|"
                  r"\bwhat (?:\w+ )?(?:kinds?|sorts?|types?) of (?:experiments|analys[ie]s|methods|tools|things)\b[^?]*\?|"
                  r"^\W*(?:\w+\W+)?what (?:else )?can (?:you|parley) (?:do|run)\b", re.I)
CONFIG = re.compile(r"\b(?:which|what) (?:subject )?model (?:are|is|do) (?:we|you|i)\b|\bdefault model\b(?=[^.!]*\?)|\b(?:what(?:'s| is)|which(?: is)?) (?:the |your )?default model\b|\bwhich provider\b", re.I)
IMPERATIVE = re.compile(r"(?:^|[.?!;:]\s+|,\s*(?:then\s+|and\s+|so\s+|just\s+)?)(?:(?:anyway|anyways|regardless|either way),?\s+)?(?:please\s+|let'?s\s+)?(?:check|run|try|test|measure|compute|sweep|"
                        r"compare|train|build|generate|score|evaluate|probe|ablate|steer|split|resample|find|sample|do|use|search|look up|kick off|"
                        r"redo|re-?run|repeat|rebuild|retrain|suppress|insert|slip|plant|chop|inject|again(?=,?\s+(?:but|with|at|on|using|w/)\b))\b(?!\s+(?:you|i|we|they|it)\b)", re.I)
EITHER_WAY = re.compile(r"\b(?:more|fewer|less|higher|lower|bigger|smaller)(?: [\w-]+)? or (?:more|fewer|less|higher|lower|bigger|smaller)\b[^.!]*\?",
                        re.I)  # "does a smaller C keep more adapters or fewer?"
READ = re.compile(  # "if X comes back +0.28 with an interval of [...], is that too wide to call it an anchor?": a result supposed
    r"^\s*if\b[^?]*\d[^?]*,\s*(?:is|does|would|should|can|could|do|are)\s+(?:that|it|this|those|i|we)\b[^?]*\?\s*$|" + EITHER_WAY.pattern + "|"
    r"\bhow (?:do|should|can|would) (?:i|we|you) (?:read|interpret|understand)\b|\bwhat (?:exactly |really )?(?:counts|is counted|is considered|'s considered) as\b|"
    r"\bwhat (?:is|'s|are) considered\b|\bhow (?:are|am|is) (?:you|we|i|one) (?:supposed|meant) to\b|"
    r"\bcould (?:it|that|this|they) (?:just )?be (?:just )?noise\b|\bmeaningfully (?:above|below|different|bigger|larger|smaller)\b|"
    r"\bhow (?:does|do|did) (?:the |a |an |this |that |it |its )?[\w\s-]{0,30}?\b(?:decide|determine|choose|pick|know|work|compute|"
    r"calculate|flag|define|judge|score|estimate)s?\b[^?]*\?\s*$|"
    r"\bwhat (?:does|do|would) (?:the |that |this |those |these |a |an |its )?[^?]{0,30}?(?:\d|\[|\b(?:value|number|score|interval|"
    r"column|row|bar|color|colour|sign|ci)\b)[^?]{0,20}?\b(?:mean|tell (?:me|us)|imply|say)\b|"
    r"\bwhat do (?:these|those|the|all these) (?:numbers|results|columns|values|scores)\b|"
    r"\b(?:is|are) (?:that|this|it|these|those)(?: result| effect| difference| number| interval)? "
    r"(?:significant|good|bad|big|small|large|wide|narrow|a lot|meaningful|reliable|real|noise|expected|normal)\b|"
    r"\bhow (?:confident|sure|reliable|robust)\b|\bcan i trust\b|\bwhat does the interval\b|"
    r"\bhow (?:am|are) (?:i|we) (?:supposed|meant) to (?:read|interpret|understand)\b|"
    r"\bis\b[^?]{0,60}\b(?:significant|just noise|noise|real|meaningful|a phase transition)\b|"
    r"\bhow (?:do|should) i (?:compare|weigh)\b|"
    r"\bhow (?:exactly )?(?:is|are) (?:this|that|the|these)\b[^?]*\b(?:computed|calculated|measured|defined|estimated|scored)\b|"
    r"\bremind me how\b|\bhow (?:the|this|that|these) [\w\s-]{1,40}\b(?:is|are) (?:computed|calculated|measured|defined|estimated|scored)\b|"
    r"\bhow are (?:these|those|they|the)\b[^?]{0,40}\b(?:measuring|computing|different)\b|"
    r"\bhow many (?:\w+ )?(?:params|parameters|weights|flops|bytes|gb|mb)\b[^?]{0,40}\b(?:is|are|would) (?:that|this|it|there)\b", re.I)
NEXT = re.compile(r"\bwhat (?:should|could|can|would) (?:i|we) (?:try|do|run|look at)(?: next| now)?\b|\bwhat(?:'s| is)? next\b|"
                  r"\bnext steps?\b|\bwhat now\b|\bwhere (?:should|do|can|would) (?:i|we) (?:start|begin)\b|\bhow (?:do|should|can) (?:i|we) (?:get started|start|begin)\b|\bwhere (?:do|would|should|could) (?:i|we|you) go (?:from here|next)\b|\bany suggestions\b|"
                  r"\bwhat would you (?:do|try|run) (?:next|now|from here)\b|\bwhat (?:would|do|could|can) you (?:suggest|recommend|propose|advise)\b|\bwhat to try next\b", re.I)
EXPLAIN = re.compile(
    r"\b(?:explain (?:that|this|it|the results?|what happened)|what does (?:that|this|it) mean|"
    r"what do (?:these|those|the) (?:numbers|results) mean|tell me more|in plain (?:words|terms|english)|"
    r"like i'?m (?:new|five|a beginner|\d+)|simpler|eli5|walk me through (?:it|that|this|the results?))\b|"
    r"\b(?:give|write|draft|suggest) (?:me |us )?(?:a |one |two |a short |a single )?(?:sentence|line|paragraph|caption|footnote|phrasing|wording)s?\b(?! (?:for|to) (?:the|my|this) (?:model|chain)\b)|"  # "... give me a sentence I can paste into the rebuttal"
    r"\bwhat (?:do|should|can|would) (?:i|we) (?:cite|tell (?:them|him|her|the reviewers?)|say to (?:them|him|her|the reviewers?)|write (?:back|in the rebuttal))\b|"  # "what do I cite for ...?"
    r"\b(?:can|could|would) you (?:please |briefly |quickly )?explain\b(?:[\w\s,-]{0,40}?)\b(?:what|why|how)\b(?=[^?]*\?)|"  # "Could you explain briefly what we lose with 8?"
    r"(?:^|[.?!,;:]\s*|[—–-]\s+)(?:pls |please )?explain\W*$", re.I)
EXPLAIN_TERM = re.compile(r"^\s*(?:(?:can|could) (?:you|u) |please )?(?:explain|remind me what|tell me what)\s+(?!that\b|this\b|it\b|the results?\b)"
                          r"(.+?)(?:\s+(?:like|as if|to|actually does|does|is|means)\b.*)?\??$", re.I)
QUOTED_TEXT = re.compile(r"\"[^\"]*\"|(?<!\w)'[^']{3,}'(?!\w)")  # not the apostrophes of "what's ... doesn't"
MISSING_INPUT = re.compile(r"\bmy (?:own )?(?:contrast |custom |own |[\w-]+-[\w-]+ )?(?:data|dataset|file|files|question|prompt|texts?|chain|corpus|pairs|documents|notes|sentence|jsonl|csv)\b(?![^:]*:)(?![^'\"]*['\"])"
                           r"(?!\s+(?:in|at|from)\s+\S*/)", re.I)
# "the pairs I gave you", "the hinted question I sent", "the sentence I wrote above": text said to be given earlier
GIVEN_BEFORE = re.compile(r"\bthe (?:[\w-]+ ){0,2}(?:pairs|questions?|prompts?|sentences?|texts?|chains?|data|dataset|files?|list|examples?|hints?|cues?|"
                          r"documents?|docs|corpus|snippet|passage|cot)\s+(?:that\s+)?(?:i|we)(?:'ve| have)?\s+(?:just\s+)?"
                          r"(?:gave|given|sent|wrote|written|pasted|shared|provided|typed|uploaded|attached)\b", re.I)
# "something" and "stuff" are vague as what to do ("train something", "do the thought branches stuff"), not where they
# describe what is looked for ("is it quietly planning something shady?", "does it say nasty stuff on everyday questions?")
VAGUE = re.compile(r"\bthe thing\b|\b(?:do|doing|try|train|fine-?tune|build|run|check|make|analy[sz]e|compute|maybe|on|for|with|through)\s+"
                   r"(?:[\w-]+\s+){0,3}?(?:(?<!there's )(?<!there is )something\b(?! (?:to find|there|wrong|off|odd|weird|interesting|real|like|(?:i|we|you) can)\b)|stuff\b)|^\s*(?:make it better|improve it|fix it|check (?:the |this |that )?\w+(?: for me)?)\W*$|^\s*(?:can you |could you |please )?(?:look into|look at|dig into|investigate|"
                   r"check out|analy[sz]e|do something with|work on)\s+(?:the |this |that |it\b)?\s*[\w-]*\s*\??\s*$", re.I)
UNKNOWN_MODEL = re.compile(r"\b(?:the (?:merged|other|new|fine-?tuned)|my(?: own)?) model\b(?![^/]*/)|"
                           r"\bthe model (?:we|i|you) (?:fine-?tuned|trained)\b", re.I)  # vague unless a fine-tune is in sight
# A request whose object is only "it"/"that"/"the results" (or a bare "go"): it needs something already run.
NOTHING_IN_SIGHT = re.compile(r"^\W*(?:(?:ok(?:ay)?|so|now|then|and|pls|please|yes|sure|great)\W+)*(?:[a-z-]+\s+)?(?:it|that|this|them|those|"
                              r"the (?:atoms|results?|numbers|plot|table|run|heads|vector|chain|dictionary))\W*(?:pls|please|now|again)?\W*$|"
                              r"^\W*(?:(?:ok(?:ay)?|yes|sure|alright)\W+)*(?:go|go ahead|do it|proceed|run it|start)\W*$|"
                              r"^\W*(?:(?:ok(?:ay)?|so|now|then|and|pls|please|go ahead and|just)\W+)*(?:ablate|steer|split|resample|probe|monitor|"
                              r"sweep|rerun|continue|extend|evaluate|eval|stack|compare|contrast|pit|test)\s+(?:it|that|them|those)\b(?!\s+(?:is|was|'s)\b)(?![^\n]*(?::\s*\S|['\"“]))", re.I)  # "please ablate it at layers 10-12"
GENERIC = frozenset("do the thing analyze analyse it this that run an a experiment something train compare them try other one hmm "
                    "ok okay please can you check some stuff again steer now go ahead".split())
# "does the same thing" tells what a run did, not a wish for it again
DID_THE = r"(?<!does the )(?<!do the )(?<!did the )(?<!doing the )(?<!would do the )"
RERUN = re.compile(
    rf"\b(?:again|re-?run|retry|repeat|redo|once more|{DID_THE}same (?:thing|run|experiment|again|but|with|settings|setup|grid|recipe|config)|this time|"
    r"(?:exact(?:ly)? )?(?:the )?same (?:[\w-]+ ){1,2}?(?:eval|evaluation|setup|settings|grid|recipe|config)|(?:eval|evaluation|setup|analysis) from (?:earlier|before)|exact(?:ly)? (?:the|that) [\w-]+ (?:setup|recipe|config|settings)|"
    r"re-?(?:generate|build|train|evaluate|eval|probe|compute|measure|sweep)|resume (?:it|that|the run|training)|(?:in )?the same way|(?:the )?same (?:\w+ )?analysis|"
    r"(?:more|fewer|less) (?:rollouts|samples|tokens|chains|steps|seeds|controls|docs|resamples)|double the|"
    r"with (?:a )?(?:different|another|new) seed|bump (?:up )?the|increase the|decrease the|redo it|"
    r"bump (?:up )?(?:samples|rollouts|steps|seeds|tokens|chains|docs)|add (?:a )?(?:scale|seed|layer)s? -?[\d.]+)\b|"
    r"\b(?:do|run|try) (?:it|that|this)\b.*\binstead\b|\bsame \w+ (?:but|with|again|except)\b|^\s*same\b|(?:^|[.!?;]\s+)\W*same\s*[,:;-]|"
    r"\b(?:another|one more|a second|a new)\s+(?:[\w-]+\s+){0,2}?(?:exactly\s+|just\s+)?like\s+(?:that|this|the last|the previous)(?:\s+one)?,?\s+but\b", re.I)
# "better. and at 18?", "what about with 32?": the last run again with one setting changed, asked as a question
AND_AT = re.compile(r"(?:^|[.!?;]\s+)(?:and|what about|how about)\s+(?:at|with|on)\s+-?[\d.]+\s*\??\s*$", re.I)
MORE = re.compile(r"\b(more|fewer|less|double|increase|bump|decrease|halve)\b(?:\s+(?:up\s+)?(?:the\s+)?(?:number of\s+)?)?(\w+)?", re.I)
# "what's the intuition behind thought anchors", "what ITDA stands for", "what does CAFT actually ablate"
CONCEPT = re.compile(r"\b(?:intuition|idea|motivation) (?:behind|of|for)\b|\bstands? for\b|\bunder the hood\b|\bwhat(?:'s|s| is) [\w+-]+ (?:actually |really )?doing\b|"
                     r"\bexplain (?:the |this |that )?[\w\s-]{1,40}\b(?:idea|concept|intuition|approach)\b|"
                     r"\bwhat does [\w+-]+(?: [\w+-]+){0,2}? (?:actually |really )?(?:ablate|remove|project out|change|compute|capture)\b", re.I)
REQUEST_VERB = re.compile(
    r"\b(?:run|generate|sample|split|cut|break|chop|segment|resample|measure|find|build|make|steer|sweep|train|fine-?tune|evaluate|"
    r"compute|compare|probe|ablate|decompose|search|recall|monitor|check|test|apply|try|do|show|give|which|"
    r"does|did|is there|how (?:much|many|resilient|monitorable)|what else)\b", re.I)


ASKED_TO = re.compile(r"(?:^|[.!?:]\s+)(?:(?!what|which|how|why|where|when|who)\w+[,!]?\s+){0,2}?(?:(?:could|can|would|will) you|(?:could|can|shall) we|what if we|how about we|why don'?t we) (?:please |pls )?"
                      r"(?:build|run|make|compute|train|generate|try|steer|sweep|split|"
                      r"compare|measure|evaluate|probe|ablate|search|find|resample|check|test|sample|fine-?tune|decompose|re-?run|redo|repeat|"
                      r"add|drop|remove|bump|raise|lower|increase|decrease|change|switch|swap|extend|include|double|halve|do the same|"
                      r"suppress|project|continue|apply|launch|start|kick off|rebuild|retrain|inject|insert|score|fit|estimate|have|"
                      r"produce|collect|analy[sz]e|examine|inspect|investigate|look (?:at|for|into)|sample|reason|set up|go ahead|"
                      r"chop|cut|break|slice|plant|slip|put|nudge|push|grade)\b|"
                      r"\b(?:would|do) you mind (?:build|runn|mak|comput|train|generat|try|steer|sweep|splitt|compar|measur|evaluat|prob|ablat|search|"
                      r"find|resampl|check|test|sampl|fine-?tun|decompos|add|dropp|remov|bump|rais|lower|increas|decreas|chang|switch|swapp|extend|includ|doubl|halv)ing\b",
                      re.I)  # "could you please add sentence 7 to that and bump the chains to ten?": an edit, politely  # "would you mind training a rank-2 lora ...?"


def definition_asked(text: str) -> list[tuple[str, str]]:
    """The glossary terms a definitional question asks about ([] when it is not one).

    "what is the EM rate of the model organism?" asks for a measurement, not a
    definition: the phrase asked about must be mostly the term itself."""
    if CONCEPT.search(text) and find_terms(text):
        return find_terms(text)[:2]
    explained = EXPLAIN_TERM.match(text)
    if explained and re.match(r"\s*(?:atom|head|sentence|layer|s)\s*#?\d", explained.group(1), re.I):
        explained = None  # "explain atom 50": a run's data, not a term
    if explained and find_terms(explained.group(1)) and len(explained.group(1).split()) <= 5:
        return find_terms(explained.group(1))
    for m in DEFINE.finditer(text):
        phrase = re.sub(r"\s+(?:in (?:this|that|our) context|here|concretely|exactly|again|(?:in|for|of) [a-z]+_[a-z_]+|(?:in|for|of) the [\w -]{1,30}? (?:method|approach|paper|algorithm|technique))\b", "", m.group("a") or m.group("b") or m.group("c") or "",
                        flags=re.I)  # "what's a 'model organism' in this context, concretely?", "what's alpha in resample_importance?"
        if re.search(r"\b(?:of|for|in|on) (?:the|this|that|my|our)\b|\b\d|\borganism:|\btiny-random\b|\bsmollm", phrase, re.I) \
                and not re.search(r"\bmean\b", m.group(0)):  # "what's the EM rate of organism:misaligned?": a measurement
            continue
        found = find_terms(phrase)
        if found:
            covered = " ".join(t for t, _ in found)
            rest = [w for w in re.findall(r"[a-z]{3,}", phrase.lower())
                    if w not in covered and w not in ("the", "and", "why", "its", "this", "that", "exactly", "again",
                                                      "here", "really", "actually", "term", "word", "these", "those",
                                                      "negative", "positive", "high", "low", "large", "small")]
            if len(rest) <= 2:
                return found
    return []


# "not running it, just asking", "don't start it": whatever the words, nothing is to run
SHOW_ONLY = re.compile(r"\b(?:just|only)\s+(?:show|display|print|pull|bring|open|put|re-?display|list)\b|"
                       r"\b(?:just|only)\s+(?:the|its|that)\s+(?:[\w-]+\s+)?(?:curve|plot|chart|table|heatmap|matrix|figure|samples)\b|"  # "just the loss curve of ..."
                       r"\b(?:pull|bring) (?:it|that|them|those) (?:back )?up\b|"
                       r"(?:^|[.!;]\s+)(?:(?:so|ok(?:ay)?|then|instead)\W+)?(?:show|display|print|pull up|bring up|put up) (?:me |us )?(?:its|the|that|their) (?:[\w-]+\s+)?(?:curve|plot|chart|table|heatmap|matrix|figure|samples)\b", re.I)  # "... I'm not running it again. show me its table"
# A change of topic announced before the request ("Quick detour from the steering stuff: ...", "Switching gears. ..."): no part of it
PREFACE = re.compile(r"^\W*(?:(?:ok(?:ay)?|so|alright|right)\W+)?(?:a |one )?(?:quick |small |short |brief |little )?(?:detour|aside|digression|"
                     r"side (?:quest|question|thing|note|track)|tangent|change of (?:topic|plans?|subject)|(?:different|diff|other|another) (?:topic|thing|question|direction)|"
                     r"switching (?:gears|topics?|tracks)|unrelated(?: question| thing)?|new (?:topic|thing|task)|totally different|topic change|"
                     r"(?:setting|putting|leaving|parking) (?:the |that |this |our )?[\w-]+(?: [\w-]+)? (?:aside|to one side|on hold)|"
                     r"(?:(?:yeah|yes|sure|fine)\W+)?(?:skip|forget|hold off on|park) (?:the |that |this |our )?[\w-]+(?: [\w-]+)? (?:for now|for the moment|until later))\b"
                     r"[^:.!?\n]{0,60}?(?:[:.!]|\s[—–-]+)\s+", re.I)


# What a question is asked from, said first: "based on the probe, which of the adapters is the misalignment one?"
GROUNDS = re.compile(r"^\W*(?:based on|according to|going by|judging (?:by|from)|looking at|from) (?:the|that|this|those|these|its?|our|my) [\w\s-]{1,30}?,\s+"
                     r"(?=(?:which|what|how|why|is|are|does|do|did|was|were|where|who|can|could|should)\b[^?]*\?\W*$)", re.I)


# English as a second language, said as a native speaker would: "kindly check" asks like "please check", "same like before" is "same as before"
PLAINER = ((re.compile(r"\bkindly\b", re.I), "please"), (re.compile(r"\bsame like\b", re.I), "same as"),
           (re.compile(r"\bdo the needful\b", re.I), "do it"))


def plain(text: str) -> str:
    """The message with those idioms said the usual way, outside quoted text (a pair "Kindly find the report attached:" stays)."""
    def usual(part: str) -> str:
        for pattern, said in PLAINER:
            part = pattern.sub(said, part)
        return part

    return outside_quotes(usual, text)


def without_preface(text: str) -> str:
    """The message without a change of topic announced first, or a question's grounds said first, when a request is left."""
    rest = GROUNDS.sub("", PREFACE.sub("", text, count=1), count=1)
    return rest if len(rest.split()) >= 4 else text


# The subject model asked to reason, with the question for it in the message: "would you mind letting the model think through a
# problem so I can look at how it reasons? If a rectangle ...?": the question is the model's, not ours to answer
MODEL_ASKED = re.compile(r"\b(?:let(?:ting)?|have|having|get|getting|make|making)\s+(?:the (?:subject |base )?model|it|smollm[\w-]*|tiny-random)\s+"
                         r"(?:to\s+)?(?:think|reason|work (?:out|through|thru)|solve|figure out|tackle)\b|\b(?:see|watch|look at) how it reasons\b|"
                         r"\b(?:see|watch) (?:it|the model) (?:reason|think|work (?:out|through|thru)|solve)\b", re.I)
# Another run refused: "don't run another sweep", "I don't want another fine-tune"
REFUSED = r"\b(?:(?:don'?t|do not) (?:re-?)?(?:run|start|launch|build|train|make|do|need|want)|i (?:don'?t|do not) (?:want|need)) (?:another|a new|any more)\b"
NOT_A_REQUEST = re.compile(r"\bjust (?:asking|curious|wondering)\b|\bnot asking (?:you )?to (?:re-?)?(?:run|start|launch|do|build|train)\b|"
                           r"\b(?:i )?just want (?:your|a) (?:read|take|opinion|view|thoughts|intuition)\b|\b(?:just |only )?looking for (?:your|a) (?:read|take|opinion|view|thoughts|intuition|advice)\b|\b(?:i'?m|we'?re|i am|we are) (?:only |just )?planning\b|\bnot (?:running|starting|launching) (?:it|anything|that)\b|"
                           r"\bdon'?t (?:run|start|launch|kick off|build|train|make) (?:it|anything|that|this)(?: yet)?\b|\bhypothetically\b|\bjust brainstorm\b|"
                           # "no no no don't run another sweep. I just want to know why ...", "I don't want another fine-tune"
                           rf"{REFUSED}(?=[^?]*(?:\?|\bwhy\b|\bjust (?:want to know|explain|tell|show|the)\b))|"  # (not "don't build a new one, use ...")
                           # "don't rebuild, just explain", "no need to rerun, just reason about it"
                           r"\b(?:don'?t|do not|no need to)\s+(?:re-?)?(?:run|build|train|do|compute|sample|fit)(?:\s+(?:it|anything|that|this))?\s*[,;.:—–-]+\s*just\b|"
                           r"\bno need to (?:re-?(?:run|build|train|do|compute|sample|fit))\b|"
                           # "or am I reading the transplant curve wrong", "is that monitor any good or nah": about a result or a tool
                           r"\bam i (?:reading|understanding|interpreting|misreading|getting) (?:this|that|it|the [\w -]{1,30}?) (?:wrong|right|correctly)\b|"
                           r"\b(?:is|are) (?:that|this|the|these|those) [\w-]+ (?:any good|reliable|trustworthy|worth (?:it|anything))\b|"
                           r"\bbefore (?:i|we) (?:launch|run|start|kick off|build|train|try) (?:anything|it|that|this)\b|"
                           # "do you think the judge would have caught the 3 it missed? trying to decide whether it's worth the spend"
                           r"\bwould(?:n'?t)? have (?!to\b)(?:been|\w+(?:ed|en|ght))\b[^.!?]*\?|\b(?:trying to|want to|wanna) decide (?:whether|if)\b|"
                           r"^\W*(?:is|are|was|were)\b[^.!?]{0,80}\b(?:enough|too (?:small|few|low|noisy|wide|big|large|high|many))\b(?![^?]*\b(?:if not|otherwise)\b)|"  # "is 5 of 7 enough ... or is n too small"
                           r"\bbefore (?:launching|running|starting|building|training|kicking off) anything\b(?=[^?]*\?)|"
                           # "what held-out acc did the C=1 probe get ...": a question about a result that is here
                           r"^(?![^?]*\b(?:back in|last (?:week|month|session)|ago|earlier session|previous session)\b)"  # then it's memory's
                           r"\W*(?:what|how much|how many|which)\b[^.?!]{0,60}?\bdid\s+(?:the|that|this|it|layer)\b[^.?!]{0,60}?"
                           r"\b(?:get|give|explain|score|reach|achieve|hit|end up)\b", re.I)  # not "what did we find ...": memory


QUESTION = re.compile(r"^\W*(?:(?:ok(?:ay)?|so|hm+|huh|wait|and|but|quick q|remind me|intuition check|(?:dumb|naive|basic|conceptual) q(?:uestion)?)\W+)*(?!(?:what|how) about\b)(?:what|what's|whats|which|why|how|who|"
                      r"when|where|is|are|does|do|did|was|were|would|should)\b[^?]*\?(?:\W*$|(?![\s\S]*\b(?:can|could|would|will) (?:you|u|we)\b|"
                      r"[\s\S]*\b(?:run|rerun|redo|try|make|build|train|steer|sweep|generate|sample|split|resample|show|plot|pull|launch|start|"
                      r"kick|go|check|use|ask|look|need|want|pls|please|let'?s)\b|[\s\S]*\d)[\s\S]*$)|"  # "which is the anchor, 4 or 8? counterfactual says one, ...": no request after

                      r"^\W*(?:just to check|to (?:double[- ])?check|sanity check)\b[^?]*\?\W*$|,\s*(?:right|correct|no)\s*\?\W*$|"
                      r"^\W*(?:can|could)\s+(?!(?:you|u|ya|we|i|someone|it|that|this|they|those|these)\b)(?:the\s+)?[\w-]+\s+(?:be|take|accept|hold)\b[^?]*\?\W*$",
                      re.I)  # a question of the user's own; "a smaller C keeps fewer adapters, right?"
# "can questions_file be a jsonl or does em_evaluate need the yaml layout?": a tool or a setting named by its own name, asked about
TOOL_QUESTION = re.compile(r"\b(?:does|do|can|will|would|could)\s+(?:the\s+)?[a-z]+(?:_[a-z]+)+\s+(?:be|need|take|accept|support|want|require|handle|work with)\b[^?]*\?")
REMARK = re.compile(r"^\W*(?:lol|lmao|haha\w*|wow|whoa|huh|ugh|damn|ouch|yikes|oof|heh|weird|wild|neat)\b[^?]*$", re.I)
# "what layer was that at?": a question about the run just shown (not "does that direction transfer ...?")
ABOUT_THAT = re.compile(r"\b(?:was|is|were|are|did|does|do) (?:that|it|this|those|these|they)\b(?!\s+(?:[\w-]+\s+)?(?:direction|vector|"
                        r"chain|cot|run|fine-?tune|dictionar\w*|adapters?|model|organism|one|sweep|probe|heads?|atoms?)\b)", re.I)


# a question, then an order that ends the message: "did it go evil? ask it each of the everyday questions 10 times",
# "which add-on carries it? only do the good-vs-evil test", "can we try that? train it on the risky tips, 50 steps"
ORDER_AFTER = re.compile(r"\?\s+(?:(?:ok(?:ay)?|so|then|now|and|also|just)[,\s]+)*(?:please\s+|pls\s+|only\s+|just\s+)?"
                         r"(?:train|evaluate|eval|ask|probe|block|build|make|generate|sample|steer|sweep|split|resample|ablate|monitor|"
                         r"compare|run|rerun|redo|try|use|give|do|pit|test|check|measure|score|contrast|"
                         r"(?:let me|lemme) (?:read|look at))\s+(?:it|them|the|this|that|those|these|each|every|all|on|with|a|an|\d)\b[^?]*$", re.I)


def is_question_about_result(text: str) -> str | None:
    """'why', 'read', 'next', 'explain', 'advice', 'difference', 'opinion', 'result', 'config', 'meta' or None.

    A question followed by an order ("is that real? check a few scales") is a request; a
    question inside quotes is the payload ("ask it 'what should I do?'"), not the user's."""
    asked = re.match(r"^\s*[\w-]+\s+(?:q|question)\s*:\s*[^?]*\?", text, re.I)  # "resample_importance q: with rollouts=100 ..., does ...?"
    text = re.sub(r"^\s*(?:[\w-]+\s+)?(?:q|question)\s*:\s*", "", text if re.search(r"\b(?:asked me|(?:couldn'?t|can'?t|cannot) answer)\b", text, re.I)
                  else QUOTED_TEXT.sub(" ", text), flags=re.I)  # "itda q: how does ...", "a labmate asked me this: '...?'" (the user's question too)
    if NOT_A_REQUEST.search(text) and not SHOW_ONLY.search(text):  # "no need to re-run anything; just pull it up": shown
        return "advice"
    if ASKED_TO.search(text):
        return None  # "Could you build the standard real-user vs AI-evaluator vector ...?": a request, politely
    if ORDER_AFTER.search(text):
        return None  # "can we try that? train it on the reckless tips, 50 steps": the question asks leave; the order follows
    if re.search(r"\?\s+(?:(?:also|anyway|anyways|and|then|but|so|now|regardless)[,\s]+)+(?:please\s+|pls\s+)?(?:re-?run|redo|repeat|rebuild|retrain|run|try|steer|"
                 r"sweep|train|build|split)\b(?!\s+(?:you|i|we|they)\b)", text, re.I):
        return None  # "how come S4 comes out negative? anyway rerun that w 32 rollouts": the question is set aside
    if IMPERATIVE.search(text) and not re.match(r"^\s*(?:why|how come|what does|what do)\b|^\s*(?:do|does|did) (?:the|these|those)\b[^?]*\bmean\b",
                                                 text, re.I):
        return None
    differ = DIFFERENCE.search(text)  # asked about in a question: "itda q: how does tau relate to threshold_mse? which one's stricter"
    if differ and ("?" in text[differ.start():] and len(find_terms(text)) >= 2 or re.search(
            r"(?:^|:\s+)\s*(?:so\s+)?(?:what|how)\b|\b(?:what'?s|explain|tell me) the (?:\w+ )?difference\b|\bwhen do i want\b|"
            r"\bwhich (?:one |of (?:them|the two|these) )?(?:is |'s )?(?:cheaper|faster|slower|quicker|more expensive|costlier)\b", text, re.I)):
        return "difference"
    kinds = (("cite", CITE), ("done", DONE), ("config", CONFIG), ("advice", ADVICE), ("opinion", OPINION), ("meta", META), ("why", WHY), ("next", NEXT),
             ("read", READ), ("explain", EXPLAIN), ("result", ABOUT_RESULT))
    return next((kind for kind, pattern in kinds if pattern.search(text)), "read" if asked else None)


MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
# "what did we get last week on the blackmail stuff": a question to memory, however loosely worded
RECALLED = re.compile(r"\bwhat did (?:we|i|you) (?:get|find|see|learn|conclude|say)\b|\b(?:last|previous) (?:week|session|time|month)\b|"
                      r"\bremind me what\b|\bsearch (?:only |just )?(?:the |our |my )?(?:notes|memory|history|dialogue|conversations?|past|earlier|previous|old)\b|"
                      r"\bcheck (?:the )?memory\b|\bdid we ever\b|\b(?:do|did) (?:we|i) (?:have|keep|write|take) (?:any )?(?:notes|findings)\b|"
                      r"\b(?:any|our|my) (?:notes|findings) (?:on|about)\b|\bsearch (?:for )?what (?:you|we|i)\b|\bwhat you (?:told|said to) me\b|\bhave we (?:ever |already )?(?:tried|run|looked at|found|done|had|seen|gotten|got)\b|\bpast (?:runs|sessions|findings)\b|\b(?:in|from) (?:your|our|the) memory\b|"
                      rf"\bfrom memory\b|\b(?:a few|some|several|two|three|\d+) (?:days|weeks|months) ago\b|\bback in {MONTH}\b|\b(?:everything|anything) (?:we|i) (?:have|know|found|got) (?:on|about)\b", re.I)


# what was found asked after, whatever the experiment named: "what did we find about the top 5 receiver heads at layer 12?" with none run here
FOUND_ASKED = re.compile(r"\bwhat did (?:we|i|you) (?:find|learn|conclude)\b|\bremind me what\b|\b(?:did|have) we ever\b", re.I)


# said of memory outright, whatever the experiment named: "the EM rate we got a few weeks ago? dig that up from memory"
FROM_MEMORY = re.compile(r"\b(?:from|in|search|check|query|look (?:it )?up in) (?:your |our |the )?memory\b|\bsearch (?:only |just )?(?:the |our |my )?(?:old|past|earlier|previous) (?:chats?|conversations?|dialogues?|messages|turns|runs)\b|\b(?:have|did) we ever\b|\bhave we already (?:run|done|tried)\b|\b(?:did|didn't|have|haven't) we already\b|\bin (?:some|an|a|one) (?:earlier|previous|past|older|other) (?:session|chat|conversation)\b|\b(?:a few|some|several|two|three|\d+) (?:weeks|months) ago\b|"
                         rf"\bback in {MONTH}\b", re.I)


# "ok do that", "let's go with that one, build it", "ugh. build it then", "fine, go ahead with ...": yes to what was proposed
ACCEPT = re.compile(r"^\W*(?:(?:ok(?:ay)?|fine|alright|sure|yes|yeah|yep|great|cool|ugh|right|perfect|sounds good|makes sense|then)\W+)*"
                    r"(?:let'?s (?:do|go with|try) (?:it|that|this|that one|your suggestion)|(?:do|try|run) (?:it|that|this)\b(?! again)|"
                    r"go (?:ahead|for it)|go with (?:that|it|this|your suggestion|that one)|(?:build|train|make) (?:it|that|one)(?: then)?\W*$|let'?s do it)\b", re.I)


# "make a formal vs casual vector from these pairs, then steer 'X' with it": two steps, the second needing the first's result
THEN_NEXT = re.compile(r"(?:[,.;]\s*|\s+)(?:and\s+)?(?:then|after that|afterwards|once (?:that'?s|it'?s) (?:done|built|ready|trained)),?\s+"
                       r"(?:do|run|steer|build|make|train|fine-?tune|evaluate|eval|sweep|compare|split|generate|sample|check|monitor|"
                       r"probe|ablate|explain|resample|find|compute)\b", re.I)


def vague(text: str) -> bool:
    """'do the thing', 'analyze it', 'compare them': nothing to go on. Read in the sentence that asks ("I'd like something
    causal for this chain. Could you knock out attention to each sentence ...?" says what)."""
    text = asked_part(text)
    if RECALLED.search(text) and re.search(r"\b(?:on|about|with|for) (?:the |that |our |my )?\w+|\bsearch\b|\bhits\b", text, re.I):
        return False
    words = re.findall(r"[a-z]+", text.lower())
    return bool(words) and all(w in GENERIC for w in words) or bool(VAGUE.search(text))


# Experiments researchers ask for that no tool here runs: said so, with the closest tools, never a near miss run instead
UNSUPPORTED = re.compile(r"\b(?:train|fit|build|learn)\s+(?:me\s+)?(?:an?\s+|the\s+|some\s+)?(?:(?:top-?k|batch-?top-?k|jump-?relu|gated|relu|vanilla|standard)\s+)?(?:sae|sparse auto-?encoder|transcoder|crosscoder)s?\b|"
                         r"\bfull(?:[- ]parameter)?\s+fine-?tun\w*|\b(?:push|upload|publish)\b[^.?!]{0,40}\b(?:hub|hf|hugging ?face|neuronpedia)\b|"
                         r"\b(?:logit|tuned) lens\b|\b(?:all|every) (?:the )?(?:model'?s? )?(?:parameters|params|weights)\b|"
                         r"\bnot (?:just )?(?:a |with (?:a )?)?lora\b|\bsae (?:features?|latents?|dictionar(?:y|ies))\b|\broc(?: curve)?\b|"
                         r"\b(?:linear|logistic|logreg) probe\b(?:(?!lora|adapter)[^.?!]){0,60}\b(?:resid\w*|activations?|acts|hidden states?)\b", re.I)
def judged(text: str) -> bool:
    """A judgement asked of a result, and nothing ordered: "is it normal for adapters to turn at different times, or is something
    off?", "could you tell me whether it beats the controls?", "does a smaller C keep more adapters or fewer?", "... or is that noise"."""
    return bool(TELL_ME.search(text) or text.rstrip().endswith("?") and (JUDGED.search(text) or EITHER_WAY.search(text))
                or re.search(r"\bor (?:is|was|could|might|would|can) (?:that|this|it) (?:just |simply |only )?(?:be )?(?:noise|chance|a fluke|random)\W*$", text, re.I)) and not (
        IMPERATIVE.search(text) or ASKED_TO.search(text))
