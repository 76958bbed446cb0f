// Vite bundles imported stylesheets into dist/fxa-page/signin.css.
declare module '*.css';
