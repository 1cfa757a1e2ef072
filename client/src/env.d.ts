/// <reference types="vite/client" />
declare const __API_URL__: string;
