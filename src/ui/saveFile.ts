// Handing bytes to the browser as a file download, and text to the clipboard. No server is involved:
// the bytes become a Blob URL that an <a download> is clicked on, revoked once the browser has taken it.

/** Offer `bytes` as a download named `fileName`. */
export function saveFile(bytes: Uint8Array, fileName: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // revoked later, not at once: the download starts asynchronously and reads the URL first
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Copy `text` to the clipboard; false where the page may not (no secure context, permission refused). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
