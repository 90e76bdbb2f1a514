"""Strings of the district map (`civicdesk.charts.street_map`) and where the app and briefing show it."""
from __future__ import annotations

MAP_STRINGS: dict[str, tuple[str, str]] = {
    "map_title": ("一张图：各镇街{measure}", "The district map: {measure} by street"),
    "map_received": ("受理量（件）", "Tickets received"),
    "map_per_1000_households": ("每千户受理量（件）", "Tickets per 1,000 households"),
    "map_measure": ("地图显示", "Colour the map by"),
    "map_click_hint": ("点击镇街可筛选本页，双击空白处取消。", "Click a street to filter the page; double-click to clear."),
    "map_no_shapes": ("尚未载入镇街边界，暂不显示地图。可在“数据”页上传镇街边界 GeoJSON 文件，"
                      "或运行 civicdesk shapes import 边界.geojson。",
                      "No street boundaries are loaded, so there is no map. Upload the streets' GeoJSON on the "
                      "Data view, or run civicdesk shapes import boundaries.geojson."),
    "map_no_points": ("所列条目中没有可在地图上标出的重复地点。", "No repeated place among the rows shown can be put on "
                      "the map."),
    "map_points_title": ("重复诉求地点分布", "Where the repeated places are"),
    "map_points_note": ("圆点为重复诉求地点，大小表示诉求次数；未登记坐标的地点标在其网格或镇街的中心。",
                        "Dots are repeated places, sized by contacts; a place without its own point is drawn at "
                        "its grid's or street's centre."),
    "map_caption": ("图{n} 本周各镇街受理量分布", "Figure {n} Tickets received by street this week"),
}
