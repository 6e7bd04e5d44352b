"""A request written in Spanish, German, French, Portuguese or Italian, read through a glossary of the words the tools need.

Researchers write in their first language and keep the field's English terms: "Otra vez con 32 rollouts y semilla
2", "Nochmal mit Skala 8, sonst alles gleich", "couches 8, 12 et 16, échelles 0,5, 1 et 2", "só nas camadas 20 a
23", "usa trentadue rollouts, risposta corretta 42". Only a message that reads as one of these languages (more of
its common words than English ones) is read so: its settings' words, its verbs and its number words (with a decimal
comma) become the English ones the readers know; what is quoted stays as typed.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from agent.wording import outside_quotes

# words common in each language and rare in English requests (accents dropped)
FOREIGN = set("""el los las del con para por una esta este ese esa otra vez tambien que como cuantos cada y
der die das den dem des mit und fur nur nochmal bitte ein eine einen ist im vom zum zur auf uber nach sonst alles gleich mach zeig wir haben welche nimm
le les des du avec et sur pour cette ce ces encore seulement moi est dans au aux quels quelles lance fais montre
os do da dos das com uma essa esse so agora nas nos em novo ja gente roda mostra entao qual ou nao
la en su quiero ver despues pero hay dame podria otro otra lass kurz neue noch sich nicht oder aber wie viele dieses diese dieser quali quale
il lo gli della dei questa questo quella quel anche di nel sul negli sugli degli fai usa""".split())
ENGLISH = set("the with and on for of to please again only run show me is it what which that this from at by in".split())

_UNITS = {
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciseis diecisiete dieciocho diecinueve veinte",
    "de": "null eins zwei drei vier funf sechs sieben acht neun zehn elf zwolf dreizehn vierzehn funfzehn sechzehn siebzehn achtzehn neunzehn zwanzig",
    "fr": "zero un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf vingt",
    "pt": "zero um dois tres quatro cinco seis sete oito nove dez onze doze treze catorze quinze dezesseis dezessete dezoito dezenove vinte",
    "it": "zero uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici quindici sedici diciassette diciotto diciannove venti",
}
NUMBERS = {w: str(i) for words in _UNITS.values() for i, w in enumerate(words.split())}
NUMBERS |= {"treinta y dos": "32", "zweiunddreissig": "32", "trente-deux": "32", "trinta e dois": "32", "trentadue": "32",
            "sesenta y cuatro": "64", "vierundsechzig": "64", "soixante-quatre": "64", "sessenta e quatro": "64", "sessantaquattro": "64",
            "veinticuatro": "24", "vierundzwanzig": "24", "vingt-quatre": "24", "vinte e quatro": "24", "ventiquattro": "24",
            "treinta": "30", "dreissig": "30", "trente": "30", "trinta": "30", "trenta": "30", "cuarenta": "40", "vierzig": "40",
            "quarante": "40", "quarenta": "40", "quaranta": "40", "cincuenta": "50", "funfzig": "50", "cinquante": "50", "cinquenta": "50",
            "cinquanta": "50", "cien": "100", "hundert": "100", "cent": "100", "cem": "100", "cento": "100",
            "ciento veintiocho": "128", "hundertachtundzwanzig": "128", "cent vingt-huit": "128", "cento e vinte e oito": "128", "centoventotto": "128"}
NUMBERS.pop("un", None)  # "un LoRA": an article as often as one
# a phrase of the languages -> the English the readers know (longest first; accents dropped)
GLOSSARY = {
    # things
    "cadena de pensamiento": "chain of thought", "gedankenkette": "chain of thought", "chaine de pensee": "chain of thought",
    "cadeia de pensamento": "chain of thought", "catena di pensiero": "chain of thought", "cadena": "chain", "kette": "chain", "chaine": "chain",
    "cadeia": "chain", "catena": "chain", "razonamiento": "reasoning", "raisonnement": "reasoning", "raciocinio": "reasoning",
    "ragionamento": "reasoning", "begrundung": "reasoning", "frases": "sentences", "frase": "sentence", "satze": "sentences", "satz": "sentence",
    "phrases": "sentences", "phrase": "sentence", "capas": "layers", "capa": "layer", "schichten": "layers", "schicht": "layer",
    "couches": "layers", "couche": "layer", "camadas": "layers", "camada": "layer", "strati": "layers", "strato": "layer",
    "escalas": "scales", "escala": "scale", "skalen": "scales", "skala": "scale", "echelles": "scales", "echelle": "scale",
    "scala": "scale", "semilla": "seed", "graine": "seed", "semente": "seed", "seme": "seed", "temperatura": "temperature",
    "temperatur": "temperature", "respuesta correcta": "correct answer", "richtige antwort": "correct answer",
    "bonne reponse": "correct answer", "resposta correta": "correct answer", "risposta corretta": "correct answer", "respuesta": "answer",
    "antwort": "answer", "reponse": "answer", "resposta": "answer", "risposta": "answer", "muestras": "samples", "stichproben": "samples",
    "echantillons": "samples", "amostras": "samples", "campioni": "samples", "pasos": "steps", "schritte": "steps", "etapes": "steps",
    "passos": "steps", "passi": "steps", "controles aleatorios": "random controls", "zufallskontrollen": "random controls",
    "controles aleatoires": "random controls", "controlli casuali": "random controls", "controlli": "controls", "kontrollen": "controls",
    "controles": "controls", "vektor": "vector", "vecteur": "vector", "vetor": "vector", "vettore": "vector",
    "diccionarios": "dictionaries", "diccionario": "dictionary", "worterbucher": "dictionaries", "worterbuch": "dictionary",
    "dictionnaires": "dictionaries", "dictionnaire": "dictionary", "dicionarios": "dictionaries", "dicionario": "dictionary",
    "dizionari": "dictionaries", "dizionario": "dictionary", "atomos": "atoms", "atome": "atoms", "atomes": "atoms", "atomi": "atoms",
    "cabezas receptoras": "receiver heads", "empfangerkopfe": "receiver heads", "tetes receptrices": "receiver heads",
    "cabecas receptoras": "receiver heads", "teste riceventi": "receiver heads", "supresion de atencion": "attention suppression",
    "suppression d'attention": "attention suppression", "supressao de atencao": "attention suppression",
    "soppressione dell'attenzione": "attention suppression", "matriz de supressao de atencao": "attention suppression matrix",
    "atencion": "attention", "atencao": "attention", "aufmerksamkeit": "attention", "attenzione": "attention",
    "transicion de fase": "phase transition", "phasenubergang": "phase transition", "transition de phase": "phase transition",
    "transicao de fase": "phase transition", "transizione di fase": "phase transition", "phasenubergangsanalyse": "phase transition analysis",
    "direccion de desalineamiento": "misalignment direction", "direction de desalignement": "misalignment direction",
    "direcao de desalinhamento": "misalignment direction", "direzione di disallineamento": "misalignment direction",
    "desalineamiento": "misalignment", "desalignement": "misalignment", "desalinhamento": "misalignment", "disallineamento": "misalignment",
    "desalineado": "misaligned", "desaligne": "misaligned", "desalinhado": "misaligned", "disallineato": "misaligned",
    "aligne contre desaligne": "aligned vs misaligned", "organismo modelo": "model organism", "modellorganismus": "model organism",
    "organisme modele": "model organism", "organismo modello": "model organism", "pista": "hint", "hinweis": "hint", "indice": "hint",
    "dica": "hint", "suggerimento": "hint", "mediacion": "mediation", "mediacao": "mediation",
    "mediazione": "mediation", "escenario": "scenario", "szenario": "scenario", "cenario": "scenario",
    "adaptadores": "adapters", "adaptateurs": "adapters", "adattatori": "adapters", "componentes principales": "principal components",
    "hauptkomponenten": "principal components", "composantes principales": "principal components",
    "componentes principais": "principal components", "componenti principali": "principal components", "componentes": "components",
    "componenti": "components", "composantes": "components", "tabla": "table", "tabelle": "table", "tableau": "table", "tabela": "table",
    "tabella": "table", "grafico": "plot", "graphique": "plot", "matriz": "matrix", "matrice": "matrix", "mapa de calor": "heatmap",
    "rango": "rank", "rang": "rank", "lote": "batch", "lotto": "batch", "caracteres": "characters", "zeichen": "characters",
    "caratteri": "characters", "juez": "judge", "richter": "judge", "juge": "judge", "juiz": "judge", "giudice": "judge",
    "referenz-judge": "reference judge", "importancia": "importance", "wichtigkeit": "importance",
    "importanza": "importance", "resiliencia": "resilience", "resilienz": "resilience", "resilienza": "resilience",
    "candidatos": "candidates", "kandidaten": "candidates", "candidats": "candidates", "candidati": "candidates",
    "iteracion": "iteration", "iteracao": "iteration", "iterazione": "iteration",
    "posicion": "position", "posicao": "position", "posizione": "position", "pregunta": "question", "frage": "question",
    "pergunta": "question", "domanda": "question", "sesion anterior": "earlier session", "fruhere sitzung": "earlier session",
    "session precedente": "earlier session", "sessao anterior": "earlier session", "sessione precedente": "earlier session",
    "resumenes": "summaries", "resumos": "summaries", "resumes": "summaries", "riassunti": "summaries", "resultados": "results",
    "ergebnisse": "results", "resultats": "results", "risultati": "results", "nuevos tokens": "new tokens", "neue tokens": "new tokens",
    "nouveaux tokens": "new tokens", "novos tokens": "new tokens", "nuovi token": "new tokens", "modelo": "model", "modell": "model",
    "modele": "model", "modello": "model", "basismodell": "base model", "organismo": "organism", "organismus": "organism",
    "organisme": "organism", "sabotaje": "sabotage", "sabotaggio": "sabotage", "sabotagem": "sabotage", "intencion": "intent",
    "absicht": "intent", "intention": "intent", "intencao": "intent", "intento": "intent", "evaluacion": "evaluation",
    "avaliacao": "evaluation", "valutazione": "evaluation", "corpus de codigo": "code corpus",
    "corpus builtin di codice": "builtin code corpus", "codigo": "code", "codice": "code", "dialogo": "dialogue",
    "prosa": "prose", "primeros": "first", "primi": "first", "premiers": "first", "primeiros": "first",
    "principali": "top", "principales": "top", "principais": "top", "meilleures": "top", "meilleurs": "top",
    # relations and amounts
    "como maximo": "at most", "hochstens": "at most", "au plus": "at most", "no maximo": "at most", "al massimo": "at most",
    "menos de": "under", "weniger als": "under", "moins de": "under", "meno di": "under", "por condicion": "per condition",
    "por posicion": "per position", "par position": "per position", "por posicao": "per position", "per posizione": "per position",
    "pro position": "per position", "por pregunta": "per question", "pro frage": "per question", "par question": "per question",
    "por pergunta": "per question", "per domanda": "per question", "por iteracion": "per iteration", "pro iteration": "per iteration",
    "par iteration": "per iteration", "por iteracao": "per iteration", "per iterazione": "per iteration", "por lado": "per side",
    "por casilla": "per cell", "par case": "per cell", "pro zelle": "per cell", "por celula": "per cell", "per cella": "per cell",
    "cada": "every", "jede": "every", "jeden": "every", "chaque": "every", "ogni": "every", "solo": "only", "nur": "only",
    "seulement": "only", "so": "only", "soltanto": "only", "solamente": "only", "otra vez": "again", "nochmal": "again",
    "noch einmal": "again", "encore": "again", "de novo": "again", "di nuovo": "again", "ancora": "again", "por favor": "please",
    "bitte": "please", "s'il te plait": "please", "per favore": "please", "sonst alles gleich": "everything else the same",
    "todo lo demas igual": "everything else the same", "le reste pareil": "everything else the same", "resto igual": "everything else the same",
    "il resto uguale": "everything else the same", "en lugar de": "instead of", "statt": "instead of", "au lieu de": "instead of",
    "em vez de": "instead of", "invece delle": "instead of", "invece di": "instead of", "con": "with", "mit": "with", "avec": "with",
    "com": "with", "y": "and", "e": "and", "und": "and", "et": "and", "sobre": "on", "sur": "on", "auf": "on", "contra": "versus", "gegen": "versus",
    "contre": "versus", "contro": "versus", "bis": "to", "de": "of", "di": "of", "sul": "on the", "sulla": "on the", "nel": "in the",
    "nella": "in the", "nas": "in the", "na": "in the", "igual a": "=", "gleich": "=", "egal a": "=", "uguale a": "=",
    "nach": "after", "despues de": "after", "apres": "after", "depois de": "after", "dopo": "after", "il": "the", "lo": "the",
    "gli": "the", "i": "the", "le": "the", "la": "the", "les": "the", "el": "the", "los": "the", "las": "the", "der": "the", "die": "the",
    "das": "the", "den": "the", "dem": "the", "os": "the", "qual": "which", "cual": "which", "quale": "which", "quali": "which",
    "welche": "which", "welcher": "which", "quel": "which", "quels": "which", "quelle": "which", "quelles": "which", "porque": "why",
    "warum": "why", "pourquoi": "why", "por que": "why", "perche": "why", "como": "how", "wie": "how", "comment": "how",
    "cuantos": "how many", "wie viele": "how many", "combien": "how many", "quantos": "how many", "quanti": "how many", "ou nao": "or not",
    "o no": "or not", "oder nicht": "or not", "ou pas": "or not", "o no?": "or not?", "bate": "beats", "schlagt": "beats", "bat": "beats",
    "batte": "beats", "efeito": "effect", "efecto": "effect", "effekt": "effect", "effet": "effect", "effetto": "effect",
    "contano": "matter", "importan": "matter", "comptent": "matter", "importam": "matter", "davvero": "really", "realmente": "really",
    "wirklich": "really", "vraiment": "really", "sonst noch": "else", "sagen konnen": "have said", "hatte": "could", "was": "what",
    "aggiunto": "added", "aggiunti": "added", "anadido": "added", "anadio": "added", "hinzugefugt": "added", "ajoute": "added",
    "adicionou": "added", "adicionados": "added", "controlla": "monitor", "verifica": "monitor", "revisa": "monitor",
    "uberprufe": "monitor", "prufe": "monitor", "verifie": "monitor",
    # asks
    "genera": "generate", "generiere": "generate", "genere": "generate", "gera": "generate", "divide": "split", "teile": "split",
    "decoupe": "split", "divida": "split", "dividi": "split", "fusiona": "merge", "fusionne": "merge", "funde": "merge", "unisci": "merge",
    "construye": "build", "baue": "build", "bau": "build", "construis": "build", "constroi": "build", "costruisci": "build",
    "aplica": "apply", "applique": "apply", "applica": "apply", "entrena": "train", "trainiere": "train", "trainier": "train",
    "entraine": "train", "treina": "train", "addestra": "train", "lanza": "run", "starte": "run", "lance": "run", "roda": "run",
    "lancia": "run", "avvia": "run", "ejecuta": "run", "compara": "compare", "vergleiche": "compare", "vergleich": "compare",
    "confronta": "compare", "busca": "search", "suche": "search", "cherche": "search", "procura": "search", "cerca": "search",
    "suprime": "suppress", "unterdrucke": "suppress", "supprime": "suppress", "sopprimi": "suppress", "inserta": "insert",
    "insere": "insert", "insiere": "insert", "inserisci": "insert", "fug": "insert", "elencami": "list", "lista": "list", "liste": "list",
    "evalua": "evaluate", "evaluiere": "evaluate", "evalue": "evaluate", "avalia": "evaluate", "valuta": "evaluate",
    "muestrame": "show me", "zeig mir": "show me", "montre-moi": "show me", "mostra-me": "show me", "mostrami": "show me",
    "rimostrami": "show me again", "mostra": "show", "muestra": "show", "zeige": "show", "montre": "show", "calcule": "compute",
    "calcula": "compute", "berechne": "compute", "calcola": "compute", "proyecta": "project", "projeta": "project", "proietta": "project",
    "projette": "project", "fuera": "out", "fora": "out", "hors": "out", "fuori": "out", "ablando": "ablating", "ablatando": "ablating",
    "resamplea": "resample", "remuestrea": "resample", "usa": "use", "nimm": "use", "utilise": "use",
}
_KEYS = sorted(GLOSSARY, key=len, reverse=True)
PHRASES = re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in _KEYS) + r")(?![\w-])", re.I)
NUMBER = re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(NUMBERS, key=len, reverse=True)) + r")(?![\w-])", re.I)


def plain(word: str) -> str:
    """`word` without accents ('ß' as 'ss'), as the glossary writes it."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.replace("ß", "ss")) if not unicodedata.combining(c))


def foreign(text: str) -> bool:
    """Whether `text` (outside quotes) reads as one of the languages: more of their common words than English ones."""
    words = re.findall(r"[a-z]+", plain(_unquoted(text)).lower())
    own, english = sum(w in FOREIGN for w in words), sum(w in ENGLISH for w in words)
    return own >= 2 and own > english


@functools.lru_cache(maxsize=256)
def english(text: str) -> str:
    """`text` read through the glossary when it is written in one of the languages; else as it is."""
    if not foreign(text):
        return text
    return outside_quotes(_read, text)


def _read(part: str) -> str:
    part = plain(part)
    part = re.sub(r"(?<![\d.,])(\d+),(\d+)(?!\d|,\d|\.\d)", r"\1.\2", part)
    part = re.sub(r"\b(\d+) a (\d+)\b", r"\1 to \2", part)  # "camadas 20 a 23"  # "temperatura 0,7", "échelles 0,5, 1 et 2"
    part = re.sub(r"[¿¡]", "", part)
    part = re.sub(r"(?<=\w) ;", ";", part).replace(" ?", "?").replace(" :", ":")  # French spacing before punctuation
    part = NUMBER.sub(lambda m: NUMBERS[m.group(1).lower()], part)
    return PHRASES.sub(lambda m: GLOSSARY[m.group(1).lower()], part)


def _unquoted(text: str) -> str:
    return re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", " ", text)
