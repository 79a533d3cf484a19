"""Is a note in English? The models read English only.

The check on letters (mostly non-ASCII letters: Greek, Cyrillic, Chinese) let a French note through without a word
(a browser review): most French, German, Spanish, Italian, Dutch and Portuguese is written in ASCII letters. Here a
note is called another language when it holds more of that language's commonest function words than of English's,
and at least three of them. The lists leave out words the languages share with English ("in", "a", "die", "an",
"was", "so"), so a terse English note with few function words ("38M, 4d fever, HA, myalgia") is never flagged.
"""
from __future__ import annotations

import re

ENGLISH = frozenset("the and of to is was with for on my i have has had been are this that it be not no but or at by "
                    "from he she his her they we you your which there were after since also".split())
OTHER = {
    "French": frozenset("de à l d le la les des du et est une un avec pour dans sur pas je j il elle depuis chez mais au aux "
                        "ou qui que ses son sa très".split()),
    "German": frozenset("der das und ist nicht mit ein eine einer den dem des ich sie er seit bei auf für "
                        "auch nach von zu wir".split()),
    "Spanish": frozenset("de el los las y es con para por una un del al desde pero muy tiene su sus que se".split()),
    "Italian": frozenset("il lo gli e è con per una un del della dei da che non ha sono nel alla".split()),
    "Dutch": frozenset("de het een en is met voor van niet ik hij zij sinds bij ook maar heeft zijn".split()),
    "Portuguese": frozenset("de o os as e é com para uma um do da dos das em não tem desde mas que".split()),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def other_language(text: str) -> str | None:
    """The language a note looks written in when it is not English ('French'), else None."""
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(w in ENGLISH for w in words)
    counts = {name: sum(w in vocab for w in words) for name, vocab in OTHER.items()}
    name, count = max(counts.items(), key=lambda kv: kv[1])
    return name if count >= 3 and count > english else None
