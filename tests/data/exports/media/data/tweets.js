window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Mission_Lima/status/1686800000000646272/photo/1",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/Ph0t0Lima1",
            "media_url" : "http://pbs.twimg.com/media/F2aLlama.jpg",
            "id_str" : "1686800000000646101",
            "id" : "1686800000000646101",
            "media_url_https" : "https://pbs.twimg.com/media/F2aLlama.jpg",
            "sizes" : {
              "large" : {
                "w" : "64",
                "h" : "48",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/Ph0t0Lima1",
            "ext_alt_text" : "A llama in front of the terraces of Machu Picchu"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "0"
      ],
      "favorite_count" : "7",
      "id_str" : "1686800000000646272",
      "truncated" : false,
      "retweet_count" : "2",
      "id" : "1686800000000646272",
      "possibly_sensitive" : false,
      "created_at" : "Tue Aug 01 14:05:00 +0000 2023",
      "favorited" : false,
      "full_text" : "https://t.co/Ph0t0Lima1",
      "lang" : "zxx",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Mission_Lima/status/1686800000000646272/photo/1",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/Ph0t0Lima1",
            "media_url" : "http://pbs.twimg.com/media/F2aLlama.jpg",
            "id_str" : "1686800000000646101",
            "id" : "1686800000000646101",
            "media_url_https" : "https://pbs.twimg.com/media/F2aLlama.jpg",
            "sizes" : {
              "large" : {
                "w" : "64",
                "h" : "48",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/Ph0t0Lima1",
            "ext_alt_text" : "A llama in front of the terraces of Machu Picchu"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Mission_Lima/status/1686900000000646272/photo/1",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/Ph0t0Lima1",
            "media_url" : "http://pbs.twimg.com/media/F2bStall.jpg",
            "id_str" : "1686900000000646101",
            "id" : "1686900000000646101",
            "media_url_https" : "https://pbs.twimg.com/media/F2bStall.jpg",
            "sizes" : {
              "large" : {
                "w" : "64",
                "h" : "48",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/Ph0t0Lima1"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "0"
      ],
      "favorite_count" : "7",
      "id_str" : "1686900000000646272",
      "truncated" : false,
      "retweet_count" : "2",
      "id" : "1686900000000646272",
      "possibly_sensitive" : false,
      "created_at" : "Wed Aug 02 09:30:00 +0000 2023",
      "favorited" : false,
      "full_text" : "https://t.co/Ph0t0Lima1",
      "lang" : "zxx",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Mission_Lima/status/1686900000000646272/photo/1",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/Ph0t0Lima1",
            "media_url" : "http://pbs.twimg.com/media/F2bStall.jpg",
            "id_str" : "1686900000000646101",
            "id" : "1686900000000646101",
            "media_url_https" : "https://pbs.twimg.com/media/F2bStall.jpg",
            "sizes" : {
              "large" : {
                "w" : "64",
                "h" : "48",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/Ph0t0Lima1"
          },
          {
            "expanded_url" : "https://twitter.com/Mission_Lima/status/1686900000000646272/photo/2",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/Ph0t0Lima1",
            "media_url" : "http://pbs.twimg.com/media/F2cStall.jpg",
            "id_str" : "1686900000000646201",
            "id" : "1686900000000646201",
            "media_url_https" : "https://pbs.twimg.com/media/F2cStall.jpg",
            "sizes" : {
              "large" : {
                "w" : "64",
                "h" : "48",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/Ph0t0Lima1"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Mission_Lima/status/1687000000000646272/video/1",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/V1d30Lima1",
            "media_url" : "http://pbs.twimg.com/ext_tw_video_thumb/1687000000000100001/pu/img/Vl4m4Th.jpg",
            "id_str" : "1687000000000100001",
            "id" : "1687000000000100001",
            "media_url_https" : "https://pbs.twimg.com/ext_tw_video_thumb/1687000000000100001/pu/img/Vl4m4Th.jpg",
            "sizes" : {
              "large" : {
                "w" : "64",
                "h" : "48",
                "resize" : "fit"
              }
            },
            "type" : "video",
            "display_url" : "pic.twitter.com/V1d30Lima1",
            "video_info" : {
              "aspect_ratio" : [
                "4",
                "3"
              ],
              "duration_millis" : "1000",
              "variants" : [
                {
                  "bitrate" : "256000",
                  "content_type" : "video/mp4",
                  "url" : "https://video.twimg.com/ext_tw_video/1687000000000100001/pu/vid/64x48/Vl4m4Cl1p.mp4?tag=12"
                },
                {
                  "content_type" : "application/x-mpegURL",
                  "url" : "https://video.twimg.com/ext_tw_video/1687000000000100001/pu/pl/Vl4m4Pl.m3u8?tag=12"
                }
              ]
            }
          }
        ]
      },
      "display_text_range" : [
        "0",
        "0"
      ],
      "favorite_count" : "7",
      "id_str" : "1687000000000646272",
      "truncated" : false,
      "retweet_count" : "2",
      "id" : "1687000000000646272",
      "possibly_sensitive" : false,
      "created_at" : "Thu Aug 03 18:45:00 +0000 2023",
      "favorited" : false,
      "full_text" : "https://t.co/V1d30Lima1",
      "lang" : "zxx",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Mission_Lima/status/1687000000000646272/video/1",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/V1d30Lima1",
            "media_url" : "http://pbs.twimg.com/ext_tw_video_thumb/1687000000000100001/pu/img/Vl4m4Th.jpg",
            "id_str" : "1687000000000100001",
            "id" : "1687000000000100001",
            "media_url_https" : "https://pbs.twimg.com/ext_tw_video_thumb/1687000000000100001/pu/img/Vl4m4Th.jpg",
            "sizes" : {
              "large" : {
                "w" : "64",
                "h" : "48",
                "resize" : "fit"
              }
            },
            "type" : "video",
            "display_url" : "pic.twitter.com/V1d30Lima1",
            "video_info" : {
              "aspect_ratio" : [
                "4",
                "3"
              ],
              "duration_millis" : "1000",
              "variants" : [
                {
                  "bitrate" : "256000",
                  "content_type" : "video/mp4",
                  "url" : "https://video.twimg.com/ext_tw_video/1687000000000100001/pu/vid/64x48/Vl4m4Cl1p.mp4?tag=12"
                },
                {
                  "content_type" : "application/x-mpegURL",
                  "url" : "https://video.twimg.com/ext_tw_video/1687000000000100001/pu/pl/Vl4m4Pl.m3u8?tag=12"
                }
              ]
            }
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Mission_Lima/status/1687100000000646272/video/1",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/V1d30Lima1",
            "media_url" : "http://pbs.twimg.com/ext_tw_video_thumb/1687100000000100002/pu/img/Fr4m3Th.jpg",
            "id_str" : "1687100000000100002",
            "id" : "1687100000000100002",
            "media_url_https" : "https://pbs.twimg.com/ext_tw_video_thumb/1687100000000100002/pu/img/Fr4m3Th.jpg",
            "sizes" : {
              "large" : {
                "w" : "64",
                "h" : "48",
                "resize" : "fit"
              }
            },
            "type" : "video",
            "display_url" : "pic.twitter.com/V1d30Lima1",
            "video_info" : {
              "aspect_ratio" : [
                "4",
                "3"
              ],
              "duration_millis" : "1000",
              "variants" : [
                {
                  "bitrate" : "256000",
                  "content_type" : "video/mp4",
                  "url" : "https://video.twimg.com/ext_tw_video/1687100000000100002/pu/vid/64x48/Fr4m3Cl1p.mp4?tag=12"
                },
                {
                  "content_type" : "application/x-mpegURL",
                  "url" : "https://video.twimg.com/ext_tw_video/1687100000000100002/pu/pl/Fr4m3Pl.m3u8?tag=12"
                }
              ]
            }
          }
        ]
      },
      "display_text_range" : [
        "0",
        "0"
      ],
      "favorite_count" : "7",
      "id_str" : "1687100000000646272",
      "truncated" : false,
      "retweet_count" : "2",
      "id" : "1687100000000646272",
      "possibly_sensitive" : false,
      "created_at" : "Fri Aug 04 11:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "https://t.co/V1d30Lima1",
      "lang" : "zxx",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Mission_Lima/status/1687100000000646272/video/1",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/V1d30Lima1",
            "media_url" : "http://pbs.twimg.com/ext_tw_video_thumb/1687100000000100002/pu/img/Fr4m3Th.jpg",
            "id_str" : "1687100000000100002",
            "id" : "1687100000000100002",
            "media_url_https" : "https://pbs.twimg.com/ext_tw_video_thumb/1687100000000100002/pu/img/Fr4m3Th.jpg",
            "sizes" : {
              "large" : {
                "w" : "64",
                "h" : "48",
                "resize" : "fit"
              }
            },
            "type" : "video",
            "display_url" : "pic.twitter.com/V1d30Lima1",
            "video_info" : {
              "aspect_ratio" : [
                "4",
                "3"
              ],
              "duration_millis" : "1000",
              "variants" : [
                {
                  "bitrate" : "256000",
                  "content_type" : "video/mp4",
                  "url" : "https://video.twimg.com/ext_tw_video/1687100000000100002/pu/vid/64x48/Fr4m3Cl1p.mp4?tag=12"
                },
                {
                  "content_type" : "application/x-mpegURL",
                  "url" : "https://video.twimg.com/ext_tw_video/1687100000000100002/pu/pl/Fr4m3Pl.m3u8?tag=12"
                }
              ]
            }
          }
        ]
      }
    }
  }
]