// WGSL in a CodeMirror 6 editor: read-only with highlighting (the engine panel), or
// editable with compiler messages marked at their lines (the workbench).
import { EditorState } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { StreamLanguage, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { clike } from '@codemirror/legacy-modes/mode/clike';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import type { Diagnostic } from '@codemirror/lint';
import { basicSetup } from 'codemirror';

const words = (s: string): Record<string, true> => Object.fromEntries(s.split(' ').map((w) => [w, true]));

/** WGSL's keywords, types and built-in functions, for clike's tokenizer. */
const wgsl = StreamLanguage.define(
  clike({
    name: 'wgsl',
    keywords: words('fn let var const override struct alias if else switch case default for loop while break continue continuing return discard enable requires diagnostic'),
    types: words(
      'bool i32 u32 f32 f16 vec2 vec3 vec4 vec2f vec3f vec4f vec2u vec3u vec4u vec2i vec3i vec4i mat2x2 mat3x3 mat4x4 mat2x2f mat3x3f mat4x4f array atomic ptr sampler texture_2d',
    ),
    builtin: words(
      'abs acos all any asin atan atan2 ceil clamp cos cosh cross degrees determinant distance dot exp exp2 floor fma fract inverseSqrt length log log2 max min mix modf normalize pow radians reflect round select sign sin sinh smoothstep sqrt step tan tanh transpose trunc workgroupBarrier storageBarrier atomicAdd atomicLoad atomicStore arrayLength bitcast countOneBits firstLeadingBit',
    ),
    atoms: words('true false'),
    blockKeywords: words('fn if else for loop while switch struct'),
    isIdentifierChar: /[\w_]/,
  }),
);

export interface WgslViewOptions {
  /** Editable text (the workbench); read-only by default. */
  editable?: boolean;
  /** Called with the text after every edit. */
  onChange?: (text: string) => void;
}

export interface WgslView {
  view: EditorView;
  text(): string;
  setText(text: string): void;
  /** Mark compiler messages at their lines (1-based; line 0 or beyond the text: the first line). */
  mark(messages: { line: number; column: number; message: string; severity?: 'error' | 'warning' | 'info' }[]): void;
}

/** A WGSL editor or viewer inside `parent`. */
export function wgslView(parent: HTMLElement, source: string, opts: WgslViewOptions = {}): WgslView {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: source,
      extensions: [
        opts.editable ? basicSetup : [lineNumbers(), EditorState.readOnly.of(true), EditorView.editable.of(false)],
        wgsl,
        syntaxHighlighting(defaultHighlightStyle),
        lintGutter(),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) opts.onChange?.(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    mark: (messages) => {
      const doc = view.state.doc;
      const diagnostics: Diagnostic[] = messages.map((m) => {
        const line = doc.line(Math.min(Math.max(1, m.line), doc.lines));
        const from = Math.min(line.from + Math.max(0, m.column - 1), line.to);
        return { from, to: Math.max(from, line.to), severity: m.severity ?? 'error', message: m.message };
      });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
  };
}
