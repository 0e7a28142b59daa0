import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { startLinkSync } from './ui/linkSync';
import './ui/style.css';

// before the first render, and once: the link is read into the settings, then the address follows them
startLinkSync();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
