import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { runs } from './support/fc-seed.js';
import { colourDiff, paint, Painted, type Colours } from '../src/cli/colour.js';
import { nulByteRefusal } from '../src/core/patch-policy.js';
import { addedLineControls, addedLineWithNul } from '../src/diff/added-controls.js';
import { controlsIn, unsafePathCharacter, visibleLine, visibleText } from '../src/visible-text.js';

const ESC = '\u001b';

describe('visible text: control characters shown, never acted on', () => {
  test('every C0 control but tab, DEL, C1 and the bidi controls are escaped; tab and ordinary text are kept', () => {
    assert.equal(visibleLine(`a${ESC}[2K\rb`), 'a\\x1b[2K\\rb');
    assert.equal(visibleLine('\u0000\u0007\u0008\u000b\u000c\u001f'), '\\x00\\x07\\x08\\x0b\\x0c\\x1f');
    assert.equal(visibleLine('del\u007f c1\u0080\u009b\u009f'), 'del\\x7f c1\\x80\\x9b\\x9f');
    const bidi = '\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069';
    assert.equal(visibleLine(bidi), '\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069');
    assert.equal(visibleLine('tab\there, é, 漢字, emoji 🙂, \\x1b typed'), 'tab\there, é, 漢字, emoji 🙂, \\x1b typed');
  });

  test('one line escapes a newline; text of several lines keeps its line breaks and CRLF endings, not a lone CR', () => {
    assert.equal(visibleLine('one\ntwo'), 'one\\ntwo');
    assert.equal(visibleText('one\r\ntwo\rthree\n'), 'one\r\ntwo\\rthree\n');
    assert.equal(visibleText('ends in CR\r'), 'ends in CR\\r');
  });

  test('property: whatever the text, nothing a terminal acts on is left, and text without controls is unchanged', () => {
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
    const controls = fc.constantFrom('\u001b', '\r', '\n', '\t', '\u0000', '\u007f', '\u009b', '\u202e', '\u2066', '\u200f');
    const text = fc.array(fc.oneof(controls, fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 20 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (input) => {
        const line = visibleLine(input);
        assert.ok(!raw.test(line) && !line.includes('\n'), JSON.stringify(line));
        const several = visibleText(input);
        assert.ok(!raw.test(several.replaceAll('\r\n', '\n')), JSON.stringify(several));
        assert.equal(several.split('\n').length, input.split('\n').length, 'line breaks are kept');
        if (!raw.test(input) && !input.includes('\n')) assert.equal(line, input);
      }),
      { numRuns: runs(500) },
    );
  });

  test('controlsIn lists each character once, as its escape, in order of appearance', () => {
    assert.deepEqual(controlsIn(`x${ESC}[2K\r${ESC}\u202e`), ['\\x1b', '\\r', '\\u202e']);
    assert.deepEqual(controlsIn('plain\ttext'), []);
  });
});

describe('control characters in added lines', () => {
  const patch = [
    'diff --git a/a.txt b/a.txt',
    '--- a/a.txt',
    '+++ b/a.txt',
    '@@ -3,3 +3,5 @@',
    ' three',
    '-four',
    `+four${ESC}[2K\rFOUR`,
    '+\ttabbed line',
    ' five',
    `+bidi \u202e reversed`,
    '',
    'diff --git a/crlf.txt b/crlf.txt',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/crlf.txt',
    '@@ -0,0 +1,2 @@',
    '+windows line\r',
    `+removed ${'\u0008'}text\r`,
    '',
  ].join('\n');

  test('names the file, the line in the new file and the characters; a tab or a CRLF ending is not one', () => {
    assert.deepEqual(addedLineControls(patch), [
      { file: 'a.txt', line: 4, characters: ['\\x1b', '\\r'] },
      { file: 'a.txt', line: 7, characters: ['\\u202e'] },
      { file: 'crlf.txt', line: 2, characters: ['\\x08'] },
    ]);
    assert.deepEqual(addedLineControls('not a diff'), []);
  });

  test('a NUL byte in an added line is refused, naming where; a removed one is not looked at', () => {
    const nul = patch.replace('+\ttabbed line', '+tab\u0000bed');
    assert.deepEqual(addedLineWithNul(nul), { file: 'a.txt', line: 5 });
    assert.match(nulByteRefusal(nul)!, /^the patch adds a NUL byte \(a\.txt line 5\), which makes the file binary: only text changes are accepted$/);
    assert.equal(nulByteRefusal(patch), null);
    assert.equal(nulByteRefusal(patch.replace('-four', '-fo\u0000ur')), null);
  });
});

describe('colour is added after escaping', () => {
  const brackets: Colours = {
    bold: (text) => new Painted(`<b>${text instanceof Painted ? text.text : visibleLine(String(text))}</b>`),
    cyan: (text) => new Painted(`<c>${text instanceof Painted ? text.text : visibleLine(String(text))}</c>`),
    green: (text) => new Painted(`<g>${text instanceof Painted ? text.text : visibleLine(String(text))}</g>`),
    red: (text) => new Painted(`<r>${text instanceof Painted ? text.text : visibleLine(String(text))}</r>`),
    yellow: (text) => new Painted(`<y>${text instanceof Painted ? text.text : visibleLine(String(text))}</y>`),
  };

  test('paint escapes every value but a Painted one, and its own text too', () => {
    const word = new Painted(`${ESC}[32mok${ESC}[39m`);
    assert.equal(paint`state: ${word} title: ${`x${ESC}[2K`} count ${3}`.text, `state: ${ESC}[32mok${ESC}[39m title: x\\x1b[2K count 3`);
    assert.equal(paint`own ${'\r'}\u001b`.text, 'own \\r\\x1b');
    assert.equal(`${word}`, word.text);
  });

  test('a file name is refused for any character shown escaped, and for a tab; other Unicode names pass', () => {
    assert.equal(unsafePathCharacter(`src/a${ESC}[2J.js`), '\\x1b');
    assert.equal(unsafePathCharacter('a\tb'), '\\t');
    assert.equal(unsafePathCharacter('a\nb'), '\\n');
    assert.equal(unsafePathCharacter('del\u007f'), '\\x7f');
    assert.equal(unsafePathCharacter('c1\u0085'), '\\x85');
    assert.equal(unsafePathCharacter('x\u2066y\u202e'), '\\u2066', 'the first one found');
    for (const name of ['src/é.js', 'src/Ā.js', 'docs/漢字.md', 'a b/c-d_e.f', 'emoji 🙂.txt']) assert.equal(unsafePathCharacter(name), null, name);
  });
  test('colourDiff escapes each line before colouring it, keeping CRLF endings', () => {
    const diff = ['diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1 +1 @@ fn', `-old\r`, `+new${ESC}[2K\r+fake`, ''].join('\n');
    assert.equal(colourDiff(diff, brackets).text, ['<b>diff --git a/x b/x</b>', '<b>--- a/x</b>', '<b>+++ b/x</b>', '<c>@@ -1 +1 @@</c> fn', '<r>-old\r</r>', '<g>+new\\x1b[2K\\r+fake</g>', ''].join('\n'));
  });
});
