package org.distill4j.bert.text;

/**
 * Character classes used by BERT's basic tokenizer, defined on Unicode code points exactly as Google's
 * {@code tokenization.py} defines them (it reads {@code unicodedata.category}; here {@link Character#getType(int)}
 * gives the same general category).
 */
final class CharClasses {

    private CharClasses() {
    }

    /** {@code _is_whitespace}: space, tab, LF, CR, or general category Zs. Such characters become one space. */
    static boolean isBertWhitespace(int cp) {
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
            return true;
        }
        return Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /**
     * {@code _is_control}: general category Cc or Cf, except tab, LF and CR (those count as whitespace).
     * Such characters are dropped. Note that Cf includes U+200B..U+200D, U+FEFF and the soft hyphen U+00AD.
     */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT;
    }

    /**
     * What Python's {@code str.split()} (used by {@code whitespace_tokenize}) splits on: {@code str.isspace()}.
     * After cleaning, the only such characters left besides the space are U+2028 and U+2029 (categories Zl and Zp,
     * which {@code _is_whitespace} does not map to a space but {@code split()} still splits on).
     */
    static boolean isPythonSpace(int cp) {
        if (cp < 128) {
            return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
        }
        switch (cp) {
            case 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
                return true;
            default:
                return cp >= 0x2000 && cp <= 0x200A;
        }
    }

    /**
     * {@code _is_punctuation}: every non-letter, non-digit printable ASCII character (33-47, 58-64, 91-96, 123-126,
     * so {@code $ + < = > ^ ` | ~} count too although Unicode calls them symbols), or any general category P*.
     */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION:
                return true;
            default:
                return false;
        }
    }

    /**
     * {@code _is_chinese_char}: BERT's CJK Unified Ideograph ranges (the main block, extensions A to E, the
     * compatibility ideographs and their supplement). Hiragana, Katakana and Hangul are deliberately not included.
     */
    static boolean isChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** General category Mn: removed by accent stripping after NFD. */
    static boolean isNonSpacingMark(int cp) {
        return Character.getType(cp) == Character.NON_SPACING_MARK;
    }

    /** Mn or Mc: the only categories with a non-zero canonical combining class, i.e. that NFD may reorder. */
    static boolean isCombiningMark(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK;
    }

    /** Unicode property Cased (Lowercase, Uppercase or Lt), as used by the Final_Sigma rule. */
    static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp)
                || Character.getType(cp) == Character.TITLECASE_LETTER;
    }

    /**
     * Unicode property Case_Ignorable: Mn, Me, Cf, Lm, Sk, or Word_Break MidLetter, MidNumLet or Single_Quote.
     * Only used by the Final_Sigma rule.
     */
    static boolean isCaseIgnorable(int cp) {
        switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                    Character.MODIFIER_SYMBOL:
                return true;
            default:
                break;
        }
        switch (cp) {
            // Single_Quote, MidNumLet and MidLetter (Unicode WordBreakProperty.txt).
            case 0x0027, 0x002E, 0x2018, 0x2019, 0x2024, 0xFE52, 0xFF07, 0xFF0E,
                    0x003A, 0x00B7, 0x0387, 0x055F, 0x05F4, 0x2027, 0xFE13, 0xFE55, 0xFF1A:
                return true;
            default:
                return false;
        }
    }
}
