"""Chinese analysis: the jieba segmenter with the legal dictionary, and the Whoosh tokenizer."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import jieba
import jieba.finalseg
from whoosh.analysis import Token, Tokenizer

from kb.files import write_atomic

# Bump when tokenization changes in a way that makes old indexes wrong.
ANALYZER_VERSION = "6"

# Function words left out of unquoted queries. They stay in the index (and in quoted phrases)
# so that positions line up and "取保候审期间" does not match "取保候审的期间".
STOP_WORDS = frozenset("的了在是和与及或等也就都而被把对从向于之其并且将该此为以由所着过吗呢吧啊")  # one character each
# Anonymised names (张某, 李某某) must stay one word, or 张某于 splits as 张 / 某于.
_SURNAMES = (
    "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
    "姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
)

_lock = threading.Lock()
_segmenter: jieba.Tokenizer | None = None
_fingerprint: str = ""
_cache_dir: Path | None = None  # where configure keeps the loaded dictionary (pickled tokenizers point at it)

jieba.setLogLevel(logging.WARNING)


_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: " "}


def fold(text: str) -> str:
    """Lowercase and fold full-width ASCII to half-width, one character for one."""
    # Fast path (a sixth of index-time analysis went into the loop below): str.lower() keeps
    # the length unless some character lowercases to two, which the loop then leaves alone.
    folded = text.translate(_FULL_WIDTH).lower()
    if len(folded) == len(text):
        return folded
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        elif code == 0x3000:
            ch = " "
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out)


def configure(
    userdicts: Iterable[Path] = (),
    words: Iterable[str] = (),
    cache_dir: Path | None = None,
    query_words: Iterable[str] = (),
) -> str:
    """Load jieba with the legal user dictionaries and extra words; return their fingerprint.

    `query_words` (colloquial and question words) are added only where jieba does not know
    them already: raising a known word such as 精神病 would split 精神病人 in documents.

    With `cache_dir`, the loaded dictionary is kept there (one file per fingerprint) and read
    back by the next process: 0.2 s instead of 0.6 s for jieba's own cache plus the user words.
    Call before forking workers so they share the loaded dictionary.
    """
    global _segmenter, _fingerprint, _cache_dir
    sources = tuple(Path(p) for p in userdicts if Path(p).is_file())
    extra = tuple(sorted({fold(w.strip()) for w in words if w and w.strip()}))
    soft = tuple(sorted({fold(w.strip()) for w in query_words if w and w.strip()} - set(extra)))
    digest = hashlib.sha256(ANALYZER_VERSION.encode())
    for path in sources:
        digest.update(path.read_bytes())
    digest.update("\n".join(extra).encode())
    digest.update(b"\0" + "\n".join(soft).encode())
    fingerprint = digest.hexdigest()[:16]
    with _lock:
        if _segmenter is not None and fingerprint == _fingerprint:
            return fingerprint
        seg = _read_cache(cache_dir, fingerprint) if cache_dir is not None else None
        if seg is None:
            seg = _load(sources, extra, soft)
            if cache_dir is not None:
                _write_cache(cache_dir, fingerprint, seg, _forced_words(sources))
        _segmenter, _fingerprint, _cache_dir = seg, fingerprint, cache_dir
    return fingerprint


def _adopt(cache_dir: Path, fingerprint: str) -> None:
    """In a process that configured nothing, load the dictionary an index was built with from its cache."""
    global _segmenter, _fingerprint, _cache_dir
    with _lock:
        if _segmenter is None and (seg := _read_cache(cache_dir, fingerprint)) is not None:
            _segmenter, _fingerprint, _cache_dir = seg, fingerprint, cache_dir


WORD_FREQ = 2000  # jieba frequency of the words _load adds: enough to keep them whole


def _load(sources: tuple[Path, ...], extra: tuple[str, ...], soft: tuple[str, ...] = ()) -> jieba.Tokenizer:
    seg = jieba.Tokenizer()
    seg.initialize()
    for path in sources:
        seg.load_userdict(str(path))
    for surname in _SURNAMES:
        seg.add_word(surname + "某", WORD_FREQ)
        seg.add_word(surname + "某某", WORD_FREQ)
    for word in extra:
        if len(word) > 1:
            seg.add_word(word, max(seg.FREQ.get(word, 0), WORD_FREQ))
    for word in soft:
        if len(word) > 1 and not seg.FREQ.get(word):
            seg.add_word(word, WORD_FREQ)
    return seg


CACHE_PREFIX = "analyzer-"
# What shapes the cached dictionary beyond the fingerprint's inputs: the cache layout, the
# jieba version and _load's own words. A change to any of them names a new cache file.
_CACHE_KEY = hashlib.sha256(f"2:{jieba.__version__}:{_SURNAMES}:{WORD_FREQ}".encode()).hexdigest()[:8]
_STALE_TEMP_SECONDS = 3600


def _forced_words(sources: tuple[Path, ...]) -> set[str]:
    """User-dictionary words given frequency 0: jieba then always splits them (a global set)."""
    forced = set()
    for path in sources:
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            m = jieba.re_userdict.match(line.strip())
            if m and m.group(1) and (m.group(2) or "").strip() == "0":
                forced.add(m.group(1).strip())
    return forced


def _cache_file(cache_dir: Path, fingerprint: str) -> Path:
    return cache_dir / f"{CACHE_PREFIX}{fingerprint}-{_CACHE_KEY}.json"


def _read_cache(cache_dir: Path, fingerprint: str) -> jieba.Tokenizer | None:
    """The dictionary a previous process loaded with the same fingerprint, or None.

    The cache is plain JSON (words, their counts, the total and the forced words), never a
    pickle: a file put into the index folder can at worst change how text is segmented, it
    cannot run code. Anything not of exactly that shape is ignored and rebuilt.
    """
    try:
        data = json.loads(_cache_file(cache_dir, fingerprint).read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError):  # a damaged file: load the dictionaries instead
        logging.getLogger(__name__).warning("ignoring unreadable analyzer cache in %s", cache_dir)
        return None
    shaped = (
        isinstance(data, dict)
        and isinstance(words := data.get("words"), list)
        and isinstance(counts := data.get("counts"), list)
        and isinstance(total := data.get("total"), int)
        and isinstance(forced := data.get("forced"), list)
        and len(words) == len(counts)
        and all(type(w) is str for w in words)
        and all(type(c) is int for c in counts)
        and all(type(w) is str for w in forced)
    )
    if not shaped:
        logging.getLogger(__name__).warning("ignoring malformed analyzer cache in %s", cache_dir)
        return None
    seg = jieba.Tokenizer()
    seg.FREQ, seg.total, seg.initialized = dict(zip(words, counts, strict=True)), total, True
    jieba.finalseg.Force_Split_Words.update(forced)
    return seg


def _write_cache(cache_dir: Path, fingerprint: str, seg: jieba.Tokenizer, forced: set[str]) -> None:
    """Keep the loaded dictionary for the next process (atomically; stale ones are removed)."""
    target = _cache_file(cache_dir, fingerprint)
    data = {"words": list(seg.FREQ), "counts": list(seg.FREQ.values()), "total": seg.total, "forced": sorted(forced)}
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # 0644: the app may run as another user than the CLI that wrote the cache.
        write_atomic(target, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 0o644)
        for old in [*cache_dir.glob(CACHE_PREFIX + "*.json"), *cache_dir.glob(CACHE_PREFIX + "*.pickle")]:
            if old != target:  # older caches, and the pickles of earlier versions, are never read
                old.unlink(missing_ok=True)
        for left in cache_dir.glob(f".{CACHE_PREFIX}*.tmp"):  # from a process killed mid-write
            if time.time() - left.stat().st_mtime > _STALE_TEMP_SECONDS:
                left.unlink(missing_ok=True)
    except OSError:  # a read-only index folder only costs the next start 0.4 s
        pass


def segmenter() -> jieba.Tokenizer:
    """Return the configured jieba segmenter: `configure` (kb.search.index.load_resources) or an opened index loaded it."""
    if _segmenter is None:
        # Loading the data folder's words here would make this lowest layer import the index and
        # the settings (issue 19: no import cycle); a process that opens an index gets the index's
        # own dictionary from the pickled tokenizer instead (ChineseTokenizer.__setstate__).
        raise RuntimeError("jieba is not configured: call kb.search.index.load_resources(settings) first")
    return _segmenter


def read_word_list(path: Path) -> list[str]:
    """Read a one-word-a-line list, skipping blanks and # comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.lstrip().startswith("#")]


def fingerprint() -> str:
    """Return the fingerprint of the loaded dictionary (changes force a full rebuild)."""
    segmenter()
    return _fingerprint


def _keep(word: str) -> bool:
    return word.isalnum() or any(ch.isalnum() for ch in word)


def words(text: str, drop_stops: bool = True) -> list[str]:
    """Segment text in accurate mode into the words a query would use."""
    return [w for w, _, _ in spans(text) if not (drop_stops and w in STOP_WORDS)]


def spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield (word, start, end) for accurate-mode words, folded, without punctuation."""
    seg = segmenter()
    for word, start, end in seg.tokenize(fold(text)):
        if _keep(word):
            yield word, start, end


def _sub_words(seg: jieba.Tokenizer, word: str) -> Iterator[tuple[str, int]]:
    """Yield the dictionary words inside a longer word.

    jieba's search mode stops at three characters; legal terms are longer (醉酒驾驶 inside
    醉酒驾驶机动车, 取保候审 inside 取保候审期间), so every shorter dictionary word counts.
    """
    freq = seg.FREQ
    for n in range(2, len(word)):
        for i in range(len(word) - n + 1):
            gram = word[i : i + n]
            if freq.get(gram):
                yield gram, i


class _Tokenizer(Tokenizer):
    """A Whoosh tokenizer over `_items`: (text, position, start, end) of each token, offsets within the value."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, pos, start, end in self._items(value, tokenize, mode):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token

    def _items(self, value: str, tokenize: bool, mode: str) -> Iterable[tuple[str, int, int, int]]:
        raise NotImplementedError


class ChineseTokenizer(_Tokenizer):
    """jieba tokenizer: accurate-mode words at consecutive positions, plus (when indexing)
    search-mode sub-words stacked at their parent's position, all with real character offsets.
    """

    def __init__(self, stacked: bool = True):
        self.stacked = stacked

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.stacked == self.stacked

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.stacked))

    def __getstate__(self) -> dict:
        # The index's schema pickles its tokenizer: name the dictionary it was built with, so that
        # a process opening the index without configuring anything segments queries alike.
        dictionary = (
            (_fingerprint, str(_cache_dir.resolve())) if _segmenter is not None and _cache_dir is not None else None
        )
        return {"stacked": self.stacked, "dictionary": dictionary}

    def __setstate__(self, state: dict) -> None:
        self.stacked = state.get("stacked", True)
        if state.get("dictionary") and _segmenter is None:
            fingerprint, cache_dir = state["dictionary"]
            _adopt(Path(cache_dir), fingerprint)

    def _items(self, value: str, tokenize: bool, mode: str) -> Iterator[tuple[str, int, int, int]]:
        if not tokenize:
            yield fold(value), 0, 0, len(value)
            return
        seg = segmenter()
        stack = self.stacked and mode != "query"
        for pos, (word, start, end) in enumerate(spans(value)):
            yield word, pos, start, end
            if stack and len(word) > 2:
                for sub, i in _sub_words(seg, word):
                    yield sub, pos, start + i, start + i + len(sub)


def tokenizer() -> ChineseTokenizer:
    """Return the tokenizer of every text field."""
    return ChineseTokenizer()


_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def bigrams(text: str) -> list[str]:
    """Overlapping two-character grams of every run of Chinese characters (as Lucene's CJK
    bigram analyzer makes them), in order, repeats kept."""
    out: list[str] = []
    for run in _CJK_RUN.findall(fold(text)):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


class BigramTokenizer(_Tokenizer):
    """Character bigrams of Chinese runs: the segmentation safety net. A word that jieba
    segments differently in a query and in a document (吵架动手 / 吵架 动手) still matches
    through its bigrams. Frequencies only, no positions: the field is never phrase-searched."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def _items(self, value: str, tokenize: bool, mode: str) -> Iterator[tuple[str, int, int, int]]:
        grams = bigrams(value) if tokenize else [fold(value)]
        return ((gram, pos, 0, 0) for pos, gram in enumerate(grams))


def bigram_tokenizer() -> BigramTokenizer:
    """Return the tokenizer of the bigram field."""
    return BigramTokenizer()
