#!/usr/bin/env python3
"""Reference tokenizations from Google's original BERT tokenizer.

Runs ``tokenization.py`` from google-research/bert (not copied here; pass the
directory holding it with ``--bert-dir``) on a fixed list of tricky texts and
writes ``distill-bert/src/test/resources/text/reference-tokenizations.json``,
which ``org.distill4j.bert.text.ReferenceTokenizationTest`` compares the Java
tokenizer against.

Usage (from the repository root, Python 3 standard library only)::

    git --git-dir=/path/to/google-research-bert.git show HEAD:tokenization.py > /tmp/bert/tokenization.py
    /usr/bin/python3 tools/tokenizer/make_reference.py --bert-dir /tmp/bert \\
        --vocab distill-bert/src/test/resources/text/bert-base-uncased-vocab.txt \\
        --out distill-bert/src/test/resources/text/reference-tokenizations.json

Stub modules. ``tokenization.py`` imports ``six`` and ``tensorflow`` at the
top. It uses ``six.PY2``/``six.PY3`` to pick the string handling, and uses
TensorFlow only to open the vocabulary file (``tf.gfile.GFile``). Neither
changes how text is tokenized. So that the script needs neither package (and
does not depend on their versions), it writes two tiny stand-ins into a temp
directory that goes first on ``sys.path``: ``six`` with ``PY2 = False`` and
``PY3 = True``, and ``tensorflow`` whose ``gfile.GFile``/``io.gfile.GFile``
(plus ``gfile.Open``) is the built-in ``open(path, mode, encoding="utf-8",
newline="\\n")``. The ``newline`` argument splits lines on ``\\n`` only, as
TensorFlow's GFile does. A real TensorFlow install, if there is one, is
shadowed on purpose.

Word length limit. At HEAD, Google's ``WordpieceTokenizer`` defaults to
``max_input_chars_per_word=200``. Hugging Face's ``BertTokenizer`` and
Distill4j default to 100. The main cases are therefore produced with the
limit set to 100 on the ``FullTokenizer`` instance
(``tok.wordpiece_tokenizer.max_input_chars_per_word = 100``). The long-word
cases are also recorded with Google's default of 200 (``long_words_200``).

JSON layout::

    {
      "generator": "tools/tokenizer/make_reference.py",
      "tokenization_py_sha256": "...",    # hash of the tokenization.py that was used
      "bert_commit": "..." | null,        # from --bert-commit, for the record only
      "python": "3.11.2", "unicodedata": "14.0.0",
      "vocab_sha256": "...", "vocab_size": 30522,
      "do_lower_case": true,
      "max_input_chars_per_word": 100,
      "cases": [
        {"name": "...", "text": "...",
         "tokens": [...], "ids": [...],   # FullTokenizer(do_lower_case=True).tokenize / convert_tokens_to_ids
         "basic_uncased": [...],          # BasicTokenizer(do_lower_case=True).tokenize
         "basic_cased": [...]}            # BasicTokenizer(do_lower_case=False).tokenize
      ],
      "long_words_200": [ {"name", "text", "tokens", "ids"} ]   # limit 200
    }

Google's tokenizer returns no character offsets, so none are recorded here.
The Java tests check offsets by a property instead (see the test class). The
output is deterministic: running the script twice gives the same bytes.
"""

import argparse
import hashlib
import importlib
import json
import os
import sys
import tempfile
import unicodedata

_SIX_STUB = """\
# Stand-in for `six`, written by tools/tokenizer/make_reference.py.
PY2 = False
PY3 = True
"""

_TF_STUB = """\
# Stand-in for `tensorflow`, written by tools/tokenizer/make_reference.py.
# tokenization.py only opens the vocabulary file with tf.gfile.GFile.
import types as _types


def GFile(path, mode="r"):
    if "b" in mode:
        return open(path, mode)
    return open(path, mode, encoding="utf-8", newline="\\n")


gfile = _types.SimpleNamespace(GFile=GFile, Open=GFile)
io = _types.SimpleNamespace(gfile=gfile)
"""


def _import_tokenization(bert_dir):
    """Imports Google's tokenization.py from bert_dir with the six/tensorflow stubs first on sys.path."""
    if not os.path.isfile(os.path.join(bert_dir, "tokenization.py")):
        sys.exit("no tokenization.py in %s" % bert_dir)
    stub_dir = tempfile.mkdtemp(prefix="bert-stubs-")
    with open(os.path.join(stub_dir, "six.py"), "w", encoding="utf-8") as f:
        f.write(_SIX_STUB)
    os.mkdir(os.path.join(stub_dir, "tensorflow"))
    with open(os.path.join(stub_dir, "tensorflow", "__init__.py"), "w", encoding="utf-8") as f:
        f.write(_TF_STUB)
    sys.dont_write_bytecode = True
    sys.path.insert(0, stub_dir)
    sys.path.insert(1, os.path.abspath(bert_dir))
    return importlib.import_module("tokenization")


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def _long_word(n):
    """A lowercase ASCII word of exactly n characters built from real subwords."""
    base = "internationalization"  # 20 chars
    return (base * (n // len(base) + 1))[:n]


# (name, text). Names are unique and stable: tests report them on failure.
CASES = [
    # --- plain ---
    ("simple", "Hello, World!"),
    ("simple_sentence", "The quick brown fox jumps over the lazy dog."),
    # --- accents and case mapping ---
    ("accents_cafe", "Café résumé naïve"),
    ("accents_spanish", "Señor Muñoz, ¿qué tal? ¡Mañana!"),
    ("accents_zurich", "Zürich"),
    ("accents_angstrom_letter", "\u00c5ngstr\u00f6m"),
    ("accents_angstrom_sign", "\u212bngstr\u00f6m"),
    ("accents_decomposed", "Cafe\u0301 and nai\u0308ve written with combining marks"),
    ("accents_misc", "São Paulo, Dvořák, Łódź, Kraków, Ærø, Straße, façade, coöperate"),
    ("accents_vietnamese", "Tiếng Việt có dấu"),
    ("dotted_capital_i", "İstanbul İİ"),
    ("titlecase_digraph", "ǅemal ǈ ǋ"),
    ("greek_final_sigma", "ΟΔΥΣΣΕΥΣ Σ ΑΣ. Καλημέρα κόσμε"),
    ("ligature_and_roman", "ﬁnance ﬂow Ⅻ ⅻ"),
    ("kelvin_ohm", "5\u212a and 10\u2126"),
    # --- punctuation and symbols ---
    ("punct_run", "hello,world!!"),
    ("price", "$3.50"),
    ("email_word", "e-mail"),
    ("guillemets", "«quotes»"),
    ("cplusplus", "C++"),
    ("punct_only", "...!!!???"),
    ("apostrophes", "don't I'm we've it’s"),
    ("smart_quotes", "“smart quotes” and ‘single’"),
    ("dashes", "em—dash – en-dash ‐ hyphen"),
    ("slashes", "a/b\\c|d"),
    ("ascii_symbols", "~tilde ^caret `backtick <lt> =eq _under_ {brace} [bracket] @at #hash"),
    ("percent_hashtag", "50% off #deal @friend"),
    ("email_address", "user.name+tag@example.com"),
    ("url", "https://www.example.com/path/to?query=1&x=2#frag"),
    ("inverted_marks", "¿Qué? ¡Hola!"),
    ("unicode_symbols", "•bullet → arrow ©2024 ®™ ½ ¼ ° § ¶ † ‡"),
    ("currencies", "€100 £50 ¥1000 ₹500 ₿0.01"),
    ("ellipsis", "wait… what"),
    ("greek_question_mark", "what\u037e now"),
    ("greek_varia", "a\u1fefb"),
    ("fullwidth", "ＡＢＣ１２３！？"),
    # --- CJK and other scripts ---
    ("chinese", "我爱北京天安门"),
    ("japanese", "日本語のテキストです。"),
    ("japanese_katakana", "東京タワー"),
    ("korean", "한국어 텍스트"),
    ("chinese_english", "中文English混合text"),
    ("cjk_ext_b", "\U00020000\U00020001x"),
    ("cjk_compat", "\uf900\ufa30"),
    ("cjk_punct", "你好。世界、再见"),
    ("arabic", "مرحبا بالعالم"),
    ("hebrew", "שלום עולם"),
    ("russian", "Привет, мир!"),
    ("thai", "สวัสดีครับ"),
    ("hindi", "नमस्ते दुनिया"),
    # --- emoji ---
    ("emoji", "I love it 😀"),
    ("emoji_skin_tone", "👍🏽 great"),
    ("emoji_zwj_family", "👨\u200d👩\u200d👧 family"),
    ("emoji_variation_selector", "❤\ufe0f heart"),
    ("emoji_flag", "🇺🇸 flag"),
    ("emoji_attached", "smile:)😀😀 ok"),
    ("emoji_robot", "🤖🤖"),
    # --- control characters and odd whitespace ---
    ("tab", "a\tb"),
    ("nbsp", "a\u00a0b"),
    ("zero_width_space", "zero\u200bwidth"),
    ("crlf", "line1\r\nline2"),
    ("nul", "a\u0000b"),
    ("replacement_char", "bad\ufffdchar"),
    ("bell", "\u0007bell"),
    ("soft_hyphen", "soft\u00adhyphen"),
    ("bom_inside", "bom\ufeffhere"),
    ("line_separator", "line\u2028sep"),
    ("paragraph_separator", "para\u2029sep"),
    ("ideographic_space", "\u3000ideographic\u3000space"),
    ("em_space", "em\u2003space\u2009thin"),
    ("vtab_formfeed", "\u000bvtab\u000cff"),
    ("next_line", "a\u0085b"),
    ("zwnj", "a\u200cb"),
    ("leading_trailing", "  leading and trailing  "),
    ("many_newlines", "\n\n\nHello\n\n\nWorld\n\n"),
    ("lone_combining_mark", "a \u0301 b"),
    # --- long words ---
    ("long_word_100", _long_word(100)),
    ("long_word_101", _long_word(101)),
    ("long_word_150", "x " + _long_word(150) + " y"),
    ("long_word_201", _long_word(201)),
    ("long_word_accents", "e\u0301" * 60),
    ("long_word_precomposed", "\u00e9" * 101),
    ("long_url", "http://example.com/" + "abc" * 40 + "/x"),
    # --- many word pieces ---
    ("unaffable", "unaffable"),
    ("tokenization", "tokenization"),
    ("antidisestablishmentarianism", "antidisestablishmentarianism"),
    ("pneumono", "pneumonoultramicroscopicsilicovolcanoconiosis"),
    ("hyperparameterization", "hyperparameterization"),
    ("nonsense", "xyzzyqwerty zxqv"),
    # --- numbers ---
    ("numbers_decimal", "3.14159 and 2.71828"),
    ("numbers_date", "2024-01-15 12/03/2024"),
    ("numbers_phone", "+1 (555) 123-4567"),
    ("numbers_ordinals", "1st 2nd 3rd 4th"),
    ("numbers_hex_sci", "0x1F 1e-5 10,000 12:30pm"),
    ("numbers_other_digits", "٣ ١٢ １２３"),
    # --- mixed case ---
    ("mixed_case", "HeLLo WoRLD"),
    ("mixed_brands", "iPhone McDonald's YouTube"),
    ("all_caps", "ALL CAPS SHOUTING NASA"),
    # --- empty and whitespace-only ---
    ("empty", ""),
    ("spaces_only", "   "),
    ("whitespace_mix", "\t\n\r "),
    ("unicode_spaces_only", "\u00a0\u3000\u2003"),
    ("format_only", "\u200b\u200d\ufeff"),
    # --- special-token look-alikes (Google splits them like any text) ---
    ("special_lookalikes", "[CLS] hello [SEP] [MASK] [UNK] [PAD]"),
    # --- mail-like sentences (spam and ham) ---
    ("mail_01", "Hi John, can we move tomorrow's meeting to 3pm? Thanks, Anna"),
    ("mail_02", "CONGRATULATIONS!!! You have WON a $1,000,000 prize. Click here to claim NOW!"),
    ("mail_03", "Re: Q3 budget review - please find the updated spreadsheet attached."),
    ("mail_04", "Dear Sir/Madam, I am Barrister James Williams, the personal attorney to the late Mr. Robert."),
    ("mail_05", "Your account has been suspended. Verify your identity at http://secure-login.example.net/verify?id=8842"),
    ("mail_06", "Lunch on Friday? I was thinking about that new Thai place near the office."),
    ("mail_07", "URGENT: Your PayPal account needs attention. Login immediately to avoid suspension."),
    ("mail_08", "Attached is the signed contract (v2.1). Let me know if anything's missing."),
    ("mail_09", "Get V1agra & C1alis at 80% OFF!!! No prescription needed >>> www.cheap-meds.biz"),
    ("mail_10", "The build failed on master: NullPointerException in OrderService.java:142"),
    ("mail_11", "Unsubscribe: reply STOP or visit https://example.com/unsubscribe?u=abc123"),
    ("mail_12", "Hey! Long time no see :) How are the kids doing?"),
    ("mail_13", "You've been selected for a FREE iPhone 15 Pro. Only 3 left — claim yours today!!"),
    ("mail_14", "Reminder: dentist appointment on Tue, 14 May at 10:30am."),
    ("mail_15", "Work from home and earn $5000/week!!! No experience required. Reply to jobs@fast-cash.info"),
    ("mail_16", "Could you review PR #482 before the release? CI is green."),
    ("mail_17", "Meeting notes:\n- ship v1.4\n- fix login bug\n- plan Q4 roadmap"),
    ("mail_18", "Dear customer,\r\n\r\nYour invoice #INV-2024-0042 for €249.99 is overdue.\r\n\r\nRegards,\r\nBilling"),
    ("mail_19", "<html><body><b>Hot singles</b> in your area&nbsp;&nbsp;want to meet you!</body></html>"),
    ("mail_20", "Thanks for the feedback — I'll update the draft and resend by EOD."),
    ("mail_21", "Félicitations ! Vous avez gagné un voyage à Paris. Répondez vite."),
    ("mail_22", "Sehr geehrte Damen und Herren, anbei die Unterlagen für Zürich."),
    ("mail_23", "Your Amazon order #112-4455667-8899001 has shipped. Track it here: amzn.to/3xYz"),
    ("mail_24", "Can you send me the slides from yesterday's talk? The link in the invite is broken."),
    ("mail_25", "!!! LIMITED TIME OFFER !!! Lose 30 lbs in 30 days — 100% guaranteed or your money back"),
    ("mail_26", "FYI: the server will be down for maintenance Sat 02:00–04:00 UTC."),
    ("mail_27", "Hello dear, I saw your profile and I want to share my fortune of US$4.5M with you."),
    ("mail_28", "Happy birthday!! 🎉🎂 Hope you have a great day."),
    ("mail_29", "Password reset requested for j.doe@company.org. If this wasn't you, ignore this e-mail."),
    ("mail_30", "Call +44 7700 900123 now to claim your £500 cash reward. T&Cs apply. Txt STOP to 80082"),
    ("mail_31", "Sent from my iPhone\n\n> On 3 Jun 2024, at 09:12, Bob <bob@example.org> wrote:\n> Sounds good."),
    ("mail_32", "Ｆｒｅｅ　ｍｏｎｅｙ！！ Clíck hére 👉 bit.ly/2FrEe"),
]

LONG_WORD_NAMES = ["long_word_100", "long_word_101", "long_word_150", "long_word_201",
                   "long_word_accents", "long_word_precomposed"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bert-dir", required=True,
                        help="directory holding Google's tokenization.py (google-research/bert)")
    parser.add_argument("--vocab", required=True, help="the 30522-token uncased vocab.txt")
    parser.add_argument("--out", required=True, help="where to write the JSON")
    parser.add_argument("--bert-commit", default=None,
                        help="google-research/bert commit the tokenization.py came from (recorded only)")
    args = parser.parse_args()

    tokenization = _import_tokenization(args.bert_dir)

    names = [n for n, _ in CASES]
    if len(set(names)) != len(names):
        sys.exit("duplicate case names")

    full = tokenization.FullTokenizer(vocab_file=args.vocab, do_lower_case=True)
    full.wordpiece_tokenizer.max_input_chars_per_word = 100
    basic_uncased = tokenization.BasicTokenizer(do_lower_case=True)
    basic_cased = tokenization.BasicTokenizer(do_lower_case=False)

    cases = []
    for name, text in CASES:
        tokens = full.tokenize(text)
        cases.append({
            "name": name,
            "text": text,
            "tokens": tokens,
            "ids": full.convert_tokens_to_ids(tokens),
            "basic_uncased": basic_uncased.tokenize(text),
            "basic_cased": basic_cased.tokenize(text),
        })

    full200 = tokenization.FullTokenizer(vocab_file=args.vocab, do_lower_case=True)
    if full200.wordpiece_tokenizer.max_input_chars_per_word != 200:
        sys.exit("expected Google's default max_input_chars_per_word=200, got %d"
                 % full200.wordpiece_tokenizer.max_input_chars_per_word)
    text_by_name = dict(CASES)
    long200 = []
    for name in LONG_WORD_NAMES:
        tokens = full200.tokenize(text_by_name[name])
        long200.append({"name": name, "text": text_by_name[name], "tokens": tokens,
                        "ids": full200.convert_tokens_to_ids(tokens)})

    out = {
        "generator": "tools/tokenizer/make_reference.py",
        "tokenization_py_sha256": _sha256(os.path.join(args.bert_dir, "tokenization.py")),
        "bert_commit": args.bert_commit,
        "python": "%d.%d.%d" % sys.version_info[:3],
        "unicodedata": unicodedata.unidata_version,
        "vocab_sha256": _sha256(args.vocab),
        "vocab_size": len(full.vocab),
        "do_lower_case": True,
        "max_input_chars_per_word": 100,
        "cases": cases,
        "long_words_200": long200,
    }
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        json.dump(out, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print("wrote %d cases (+%d with limit 200) to %s" % (len(cases), len(long200), args.out))


if __name__ == "__main__":
    main()
