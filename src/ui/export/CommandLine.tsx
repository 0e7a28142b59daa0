// One shell command, shown as text anyone can select, with a Copy button. Where the page has no clipboard
// (a plain-http host other than localhost), the button selects the command so the user copies it.
import { useRef, useState } from 'react';
import { copyText } from '../saveFile';

export function CommandLine({ label, command, testId }: { label: string; command: string; testId: string }) {
  const [said, setSaid] = useState('');
  const code = useRef<HTMLElement>(null);
  const copy = async () => {
    if (await copyText(command)) setSaid('copied');
    else {
      const range = document.createRange();
      range.selectNodeContents(code.current!);
      document.getSelection()?.removeAllRanges();
      document.getSelection()?.addRange(range);
      setSaid('selected: press Ctrl+C (this page may not use the clipboard)');
    }
  };
  return (
    <div className="command">
      <span className="command-label">{label}</span>
      <code ref={code} data-testid={testId}>{command}</code>
      <button type="button" className="link" aria-label={`Copy the ${label} command`} onClick={() => void copy()}>Copy</button>
      <span className="command-said" role="status" data-testid={`${testId}-status`}>{said}</span>
    </div>
  );
}
