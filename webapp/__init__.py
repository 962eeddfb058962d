"""stylesynth's web app (Gradio): stylize photos (Magenta, AdaIN) and paint scenes (SPADE) in the browser.

``python app.py`` starts it. One module per concern:

- :mod:`webapp.server`: the Blocks of both tabs, the queue, the launch, the command line;
- :mod:`webapp.style_tab`, :mod:`webapp.scene_tab`: one tab each, its controls and its work;
- :mod:`webapp.video_tab`, :mod:`webapp.webcam_tab`: a clip stylized in the queue, the webcam live;
- :mod:`webapp.catalog`: the checkpoints offered, loaded on first use and kept;
- :mod:`webapp.uploads`: every uploaded image read through the library's one image path;
- :mod:`webapp.canvas`: painted canvases as style masks and label maps;
- :mod:`webapp.results`: each result in a file of its own;
- :mod:`webapp.errors`: what the user reads when something is wrong.

The app's work goes through the library (``stylesynth``): its checks, its errors, its image path.
This package is not installed with the library; it runs from the checkout, beside ``app.py``.
"""
